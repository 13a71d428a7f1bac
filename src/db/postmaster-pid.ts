// Inspects `postmaster.pid`, the lock file a running PostgreSQL keeps in its data
// directory. Line 1 is the postmaster's PID, line 4 its port (PostgreSQL's
// miscadmin.h, LOCK_FILE_LINE_PID / LOCK_FILE_LINE_PORT).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export type PostmasterState =
  | { kind: 'none' }
  /** A live postgres process owns the data directory. */
  | { kind: 'running'; pid: number; port: number }
  /** The file names a process that is gone or is not postgres: left by a killed run. */
  | { kind: 'stale'; pid: number };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is a live (not zombie) postgres process, from /proc/<pid>/stat
 * ("pid (comm) state …"); true where /proc is unavailable (cannot tell).
 */
async function isPostgresProcess(pid: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || process.platform !== 'linux';
  }
  const commEnd = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, commEnd);
  const state = stat.slice(commEnd + 2, commEnd + 3);
  return comm === 'postgres' && state !== 'Z';
}

export async function readPostmasterState(dataDir: string): Promise<PostmasterState> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw error;
  }
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return { kind: 'stale', pid: 0 };
  if (isAlive(pid) && (await isPostgresProcess(pid))) return { kind: 'running', pid, port };
  return { kind: 'stale', pid };
}

/**
 * PostgreSQL removes a lock file whose PID is dead by itself, but refuses to start
 * when the PID was reused by an unrelated process (after a reboot or container
 * restart); removing a stale file covers both.
 */
export async function removeStalePostmasterPid(dataDir: string): Promise<void> {
  await rm(join(dataDir, 'postmaster.pid'), { force: true });
}
