// Linux /proc sampling: a process's CPU time and resident memory, and how long
// its main thread waited for a CPU (load from processes other than the pinned ones).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sleep } from '../../test/kit/sleep.js';

/** Clock ticks per second of /proc CPU times (`getconf CLK_TCK`; 100 on practically every Linux). */
export function clockTicksPerSecond(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(result.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

/** utime + stime of a process (all its threads), in clock ticks. */
export function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is fields[0], so utime (field 14) is fields[11] and stime (15) fields[12].
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS of a process in KiB. */
export function readRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/**
 * Nanoseconds the process's main thread spent runnable but waiting for a CPU
 * (/proc/<pid>/schedstat, second field), or null where the kernel lacks it.
 * For a pinned event loop this is the time other processes took from it.
 */
export function readRunQueueWaitNs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    const waitNs = Number(fields[1]);
    return Number.isFinite(waitNs) ? waitNs : null;
  } catch {
    return null;
  }
}

/** A point-in-time sample of the processes a trial watches. */
export interface UsageSample {
  readonly atMs: number;
  readonly processTicks: ReadonlyMap<number, number>;
  readonly runQueueWaitNs: ReadonlyMap<number, number | null>;
}

export function sampleUsage(pids: readonly number[]): UsageSample {
  const processTicks = new Map<number, number>();
  const runQueueWaitNs = new Map<number, number | null>();
  for (const pid of pids) {
    processTicks.set(pid, readCpuTicks(pid));
    runQueueWaitNs.set(pid, readRunQueueWaitNs(pid));
  }
  return { atMs: performance.now(), processTicks, runQueueWaitNs };
}

/** CPU use of one process between two samples, in percent of one core. */
export function processCpuPercent(before: UsageSample, after: UsageSample, pid: number, ticksPerSecond: number): number {
  const ticks = (after.processTicks.get(pid) ?? 0) - (before.processTicks.get(pid) ?? 0);
  const seconds = (after.atMs - before.atMs) / 1000;
  return seconds > 0 ? (100 * ticks) / ticksPerSecond / seconds : 0;
}

/** Share of the interval the process's main thread waited for a CPU, in percent (null if unknown). */
export function runQueueWaitPercent(before: UsageSample, after: UsageSample, pid: number): number | null {
  const start = before.runQueueWaitNs.get(pid);
  const end = after.runQueueWaitNs.get(pid);
  const elapsedNs = (after.atMs - before.atMs) * 1e6;
  if (start === null || start === undefined || end === null || end === undefined || elapsedNs <= 0) return null;
  return (100 * (end - start)) / elapsedNs;
}

function readMachineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal ...
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** How busy the whole machine is over `durationMs`, in percent of all cores (before any load starts). */
export async function machineBusyPercent(durationMs: number): Promise<number> {
  const before = readMachineTicks();
  await sleep(durationMs);
  const after = readMachineTicks();
  return after.total === before.total ? 0 : (100 * (after.busy - before.busy)) / (after.total - before.total);
}
