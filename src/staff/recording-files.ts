// Finds a call's recording on disk from its database row, never from anything
// in the request. The file must resolve (symbolic links followed) to a place
// inside RECORDINGS_DIR; anything else is treated as no recording.
//
// The media gateway stores absolute paths in its own file system,
// <its RECORDINGS_DIR>/<business>/<yyyy>/<mm>/<call>.wav. The backend may see
// the same volume under another mount point, so an absolute path outside
// RECORDINGS_DIR is accepted only in that layout, for this call and business,
// and looked up under RECORDINGS_DIR.
import type { FileHandle } from 'node:fs/promises';
import { open, realpath, unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { StoredRecording } from './call-repository.js';

export interface OpenRecording {
  readonly handle: FileHandle;
  readonly size: number;
  readonly modifiedAt: Date;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES';
}

export class RecordingFiles {
  /** `root` must be absolute. */
  constructor(private readonly root: string) {}

  /** The stored recording opened for reading, or null when there is none to serve. The caller closes the handle. */
  async open(stored: StoredRecording): Promise<OpenRecording | null> {
    const candidate = this.candidatePath(stored);
    if (candidate === null) return null;
    let handle: FileHandle | null = null;
    try {
      const [rootReal, fileReal] = await Promise.all([realpath(this.root), realpath(candidate)]);
      if (!inside(rootReal, fileReal)) return null;
      handle = await open(fileReal, 'r');
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return null;
      }
      return { handle, size: stats.size, modifiedAt: stats.mtime };
    } catch (error) {
      await handle?.close();
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * Deletes the stored recording's file (retention, or a manager's request).
   * True when a file was deleted, false when there was none to delete; a file
   * outside RECORDINGS_DIR is never touched.
   */
  async remove(stored: StoredRecording): Promise<boolean> {
    const candidate = this.candidatePath(stored);
    if (candidate === null) return false;
    try {
      const [rootReal, fileReal] = await Promise.all([realpath(this.root), realpath(candidate)]);
      if (!inside(rootReal, fileReal)) return false;
      await unlink(fileReal);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private candidatePath(stored: StoredRecording): string | null {
    const path = stored.recordingPath;
    if (path === null || path.length === 0 || path.includes('\0')) return null;
    if (!isAbsolute(path)) return resolve(this.root, path);
    if (inside(this.root, path)) return path;
    const tail = path.split(/[\\/]+/).slice(-4);
    const [businessId, year, month, file] = tail;
    const matchesLayout =
      tail.length === 4 &&
      businessId === stored.businessId.toLowerCase() &&
      /^\d{4}$/.test(year ?? '') &&
      /^\d{2}$/.test(month ?? '') &&
      file === `${stored.callId.toLowerCase()}.wav`;
    return matchesLayout ? resolve(this.root, ...tail) : null;
  }
}
