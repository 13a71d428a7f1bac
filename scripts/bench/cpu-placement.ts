// Where the bench's processes run: pinned to a core with taskset, and the
// threads under test made SCHED_FIFO with chrt (--rt) once they are up.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tasksetAvailable: boolean | null = null;
let chrtAvailable: boolean | null = null;

/** SCHED_FIFO priority for --rt targets: above every normal process, below kernel RT threads. */
export const REALTIME_PRIORITY = 10;

/** Whether `taskset` (util-linux) can pin processes here. */
export function canPin(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetAvailable;
}

/** Whether `chrt` (util-linux) can start SCHED_FIFO processes here (needs the privilege). */
export function canRunRealtime(): boolean {
  chrtAvailable ??= spawnSync('chrt', ['-f', String(REALTIME_PRIORITY), 'true']).status === 0;
  return chrtAvailable;
}

/**
 * Where a child runs: pinned to a core (null: anywhere), optionally made
 * SCHED_FIFO once it is ready (see makeRealtime).
 */
export interface Placement {
  readonly core: number | null;
  readonly realtime: boolean;
}

/** Anywhere, normal scheduling. */
export const UNPINNED: Placement = { core: null, realtime: false };

/**
 * The command-line prefix that pins a program to its core (empty without
 * taskset or a core). taskset execs the command, so the child's pid is the program's own.
 */
export function launcherFor(placement: Placement): string[] {
  return placement.core !== null && canPin() ? ['taskset', '-c', String(placement.core)] : [];
}

/**
 * Makes one thread SCHED_FIFO at `priority`: the main thread (the event loop)
 * when `tid` is the process id, any other thread by its id. One thread, and
 * only after start-up: SCHED_FIFO does not time-slice between equal
 * priorities, so a helper thread that polls (Node 20's module hooks thread,
 * which tsx uses, loops on setImmediate while busy) would starve the event
 * loop on the same core; a real-time start-up (tsx compiling, its esbuild
 * helper inheriting the policy) can starve itself too.
 */
export function makeRealtime(tid: number, priority: number = REALTIME_PRIORITY): void {
  const result = spawnSync('chrt', ['-f', '-p', String(priority), String(tid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`chrt could not make thread ${tid} SCHED_FIFO: ${result.stderr.trim()}`);
}

/** Gives one thread back to the normal scheduler (SCHED_OTHER). */
export function makeNormal(tid: number): void {
  const result = spawnSync('chrt', ['-o', '-p', '0', String(tid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`chrt could not make thread ${tid} SCHED_OTHER: ${result.stderr.trim()}`);
}

/**
 * The ids of a process's threads whose name (`comm`, as `ps -L` shows it) is
 * `name`; empty when the process is gone. Linux only (/proc).
 */
export function threadIdsNamed(pid: number, name: string): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.filter((tid) => readComm(pid, tid) === name).map(Number).sort((a, b) => a - b);
}

function readComm(pid: number, tid: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trimEnd();
  } catch {
    // The thread ended between the listing and the read.
    return null;
  }
}

/** The scheduling policy of one thread, e.g. "SCHED_FIFO" (from chrt), for checks and reports. */
export function schedulingPolicy(tid: number): string {
  const result = spawnSync('chrt', ['-p', String(tid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`chrt could not read thread ${tid}'s policy: ${result.stderr.trim()}`);
  return /policy: (\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}

/** Pins this process (all threads) to one core; a no-op without taskset. */
export function pinSelf(core: number): void {
  if (canPin()) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}
