// Child processes of the bench: CPU pinning with taskset, line-oriented
// stdout, a bounded stderr tail for error messages, and ordered stopping.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CleanupRegistry } from './cleanup.js';

let tasksetAvailable: boolean | null = null;

/** Whether `taskset` (util-linux) can pin processes here. */
export function canPin(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetAvailable;
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

/** Spawns `command` pinned to `core` (when taskset exists), registered for cleanup. */
export function spawnManaged(
  what: string,
  core: number | null,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  cleanup: CleanupRegistry,
): ManagedChild {
  const pinned = core !== null && canPin();
  // taskset execs the command, so the child's pid is the program's own pid.
  const child = pinned
    ? spawn('taskset', ['-c', String(core), command, ...args], { ...options, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(command, [...args], { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  const release = cleanup.addChild(what, child);
  if (child.pid === undefined) throw new Error(`cannot start ${what}`);
  const tail: string[] = [];
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
