// Child processes of the bench: CPU pinning with taskset, line-oriented
// stdout, a bounded stderr tail for error messages, and ordered stopping.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CleanupRegistry } from './cleanup.js';

let tasksetAvailable: boolean | null = null;
let chrtAvailable: boolean | null = null;

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

/** SCHED_FIFO priority for --rt targets: above every normal process, below kernel RT threads. */
const REALTIME_PRIORITY = 10;

/**
 * Where a child runs: pinned to a core (null: anywhere), optionally made
 * SCHED_FIFO once it is ready (see makeRealtime).
 */
export interface Placement {
  readonly core: number | null;
  readonly realtime: boolean;
}

/**
 * Makes the main thread (the event loop) of a running process SCHED_FIFO.
 * Only that thread, and only after start-up: SCHED_FIFO does not time-slice
 * between equal priorities, so a helper thread that polls (Node 20's module
 * hooks thread, which tsx uses, loops on setImmediate while busy) would starve
 * the event loop on the same core; a real-time start-up (tsx compiling, its
 * esbuild helper inheriting the policy) can starve itself too.
 */
export function makeRealtime(pid: number): void {
  const result = spawnSync('chrt', ['-f', '-p', String(REALTIME_PRIORITY), String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`chrt could not make pid ${pid} SCHED_FIFO: ${result.stderr.trim()}`);
}

/** Pins this process (all threads) to one core; a no-op without taskset. */
export function pinSelf(core: number): void {
  if (canPin()) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

export interface ManagedChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly lines: LineReader;
  /** The last lines the child wrote to stderr (for error messages). */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. Idempotent. */
  stop(graceMs: number): Promise<void>;
}

const STDERR_TAIL_LINES = 20;

/**
 * Spawns `command` pinned to its core (when taskset exists), registered for
 * cleanup. taskset execs the command, so the child's pid is the program's own.
 */
export function spawnManaged(
  what: string,
  placement: Placement,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  cleanup: CleanupRegistry,
): ManagedChild {
  const pin = placement.core !== null && canPin() ? ['taskset', '-c', String(placement.core)] : [];
  const argv = [...pin, command, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  const release = cleanup.addChild(what, child);
  const tail: string[] = [];
  // A spawn failure (e.g. ENOENT) is emitted as 'error'; without a listener it would crash the bench.
  child.on('error', (error) => tail.push(`cannot run ${command}: ${error.message}`));
  if (child.pid === undefined) throw new Error(`cannot start ${what} (${command})`);
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | null = null;
  return {
    child,
    pid: child.pid,
    lines: new LineReader(child, what, () => tail.join('\n')),
    stderrTail: () => tail.join('\n'),
    stop: (graceMs) => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        release();
      })();
      return stopping;
    },
  };
}

/** Reads a child's stdout line by line; waits for lines with a timeout. */
export class LineReader {
  readonly #queued: string[] = [];
  readonly #what: string;
  readonly #stderrTail: () => string;
  #waiter: (() => void) | null = null;
  #ended = false;

  constructor(child: ChildProcess, what: string, stderrTail: () => string) {
    this.#what = what;
    this.#stderrTail = stderrTail;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      this.#queued.push(line);
      this.#wake();
    });
    lines.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  /** The next stdout line that `accept` returns non-null for; other lines are skipped. */
  async next<T>(accept: (line: string) => T | null, timeoutMs: number, waitingFor: string): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      while (this.#queued.length > 0) {
        const value = accept(this.#queued.shift()!);
        if (value !== null) return value;
      }
      if (this.#ended) throw new Error(`${this.#what} exited while waiting for ${waitingFor}${this.#describeStderr()}`);
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) throw new Error(`${this.#what}: no ${waitingFor} within ${timeoutMs} ms${this.#describeStderr()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = null;
    }
  }

  #wake(): void {
    this.#waiter?.();
  }

  #describeStderr(): string {
    const tail = this.#stderrTail();
    return tail === '' ? '' : `; stderr:\n${tail}`;
  }
}

/** Parses a JSON line, or null when the line is not JSON (e.g. a stray log line). */
export function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}
