// Whether the unprivileged user PostgreSQL runs as (when we are root) can reach a
// path: it needs search (x) permission on every folder on the way.
//
// Read from the permission bits: a process spawned with a uid/gid has no
// supplementary groups (libuv drops them), so owner, primary group and others
// decide. ACLs are not read; a folder opened to the user by an ACL only is reported
// closed, which costs a needless copy, never a failed start.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface SystemUser {
  readonly uid: number;
  readonly gid: number;
}

export interface ClosedFolder {
  readonly folder: string;
  readonly mode: number;
  readonly ownerUid: number;
}

function canSearch(info: { uid: number; gid: number; mode: number }, user: SystemUser): boolean {
  if (info.uid === user.uid) return (info.mode & 0o100) !== 0;
  if (info.gid === user.gid) return (info.mode & 0o010) !== 0;
  return (info.mode & 0o001) !== 0;
}

/** The folders to search on the way to `path`, from the root down (not `path` itself). */
export function foldersOnTheWay(path: string): string[] {
  const folders: string[] = [];
  for (let folder = dirname(resolve(path)); ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (dirname(folder) === folder) return folders;
  }
}

/**
 * The first folder on the way to `path` that `user` may not enter; undefined when
 * all of them can be entered. Folders that do not exist yet end the walk: whoever
 * creates them decides their mode.
 */
export async function firstClosedFolder(path: string, user: SystemUser): Promise<ClosedFolder | undefined> {
  for (const folder of foldersOnTheWay(path)) {
    let info;
    try {
      info = await stat(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (!canSearch(info, user)) return { folder, mode: info.mode & 0o7777, ownerUid: info.uid };
  }
  return undefined;
}

/** "/root/app (mode 0700)", for messages. */
export function describeClosedFolder(closed: ClosedFolder): string {
  return `${closed.folder} (mode ${closed.mode.toString(8).padStart(4, '0')}, owner uid ${closed.ownerUid})`;
}
