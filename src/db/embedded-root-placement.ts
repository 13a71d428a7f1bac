// Where the embedded PostgreSQL's binaries and data go when we are root and the
// "postgres" user it runs as cannot reach them where they are (a checkout under
// /root or another private folder). Root-owned folders on the usual system paths:
// binaries are a cache, rebuilt from node_modules when missing; data is kept.
import { chmod, mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { foldersOnTheWay } from './embedded-reach.js';

export interface RootPlacement {
  /** Verified copies of the binaries, one folder per version and content. */
  readonly binariesCacheDir: string;
  /** Data directories the postgres user could not reach where configured (linked from there). */
  readonly relocatedDataDir: string;
}

export const DEFAULT_ROOT_PLACEMENT: RootPlacement = Object.freeze({
  binariesCacheDir: '/var/cache/prosaas-voice-agent/embedded-postgres',
  relocatedDataDir: '/var/lib/prosaas-voice-agent/embedded-postgres',
});

/**
 * Creates `path` and its missing parents with mode 0755 whatever the umask (the
 * postgres user must enter them), and refuses a folder that others can write to
 * or that we do not own: what the postgres user runs from it must be ours.
 */
export async function ensureRootFolder(path: string): Promise<void> {
  const target = resolve(path);
  for (const folder of [...foldersOnTheWay(target), target]) {
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await chmod(folder, 0o755);
  }
  const info = await stat(target);
  const problem = !info.isDirectory()
    ? 'it is not a folder'
    : info.uid !== process.getuid?.()
      ? `it belongs to uid ${info.uid}`
      : (info.mode & 0o022) !== 0
        ? `others may write to it (mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')})`
        : undefined;
  if (problem) {
    throw new Error(`refusing to use ${target}: ${problem}; it must be a folder of root's that only root may write to`);
  }
}
