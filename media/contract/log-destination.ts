// Where a program's log lines go: stdout, written without ever making the
// event loop wait, in order, with nothing lost on the way out.
//
// - A log call appends its line to a queue and returns. One write at a time is
//   handed to libuv's thread pool (fs.write), so a slow terminal, a full pipe or
//   a stalled log collector holds a pool thread, never a 20 ms media tick. A
//   worker-thread transport would do the same at the cost of a thread, its heap
//   and its start-up per program.
// - A non-blocking stdout that is full (EAGAIN) is retried after RETRY_MS; a
//   partial write continues with the rest.
// - The queue is bounded (maxQueuedBytes): a stdout that never drains drops
//   lines instead of growing the heap, and a line says how many once it drains.
// - One destination per process writes to the descriptor (stdoutLog): two
//   independent writers on one pipe could interleave their chunks.
// - Exit: the programs wait for flush() before process.exit (exitAfterLogs);
//   any other exit writes the queue synchronously from the 'exit' event. That
//   fallback cannot wait for a write already in the thread pool, which may then
//   land after the rest: hence flush() first wherever the program exits itself.
import { write, writeSync } from 'node:fs';

/** Lines waiting beyond this many bytes are dropped (and counted). */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** How long a full non-blocking stdout rests before the next try. */
const RETRY_MS = 20;
/** At exit, a stdout that stays full this long gets nothing more. */
const EXIT_FLUSH_LIMIT_MS = 2_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function isBusy(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EAGAIN' || code === 'EBUSY';
}

export interface AsyncLogDestinationOptions {
  readonly fd: number;
  readonly maxQueuedBytes?: number;
}

export class AsyncLogDestination {
  readonly #fd: number;
  readonly #maxQueuedBytes: number;
  #queue: string[] = [];
  #queuedBytes = 0;
  /** Bytes to write before the queue: the rest of a partial write, or a chunk refused with EAGAIN. */
  #unwritten: Buffer | null = null;
  #inFlight = false;
  #retry: NodeJS.Timeout | null = null;
  #dropped = 0;
  /** stdout failed for good (EPIPE: nobody reads any more): lines are discarded. */
  #broken = false;
  #idle: (() => void)[] = [];

  constructor(options: AsyncLogDestinationOptions) {
    this.#fd = options.fd;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  /** Lines dropped because the queue was full, since the last notice line. */
  get droppedLines(): number {
    return this.#dropped;
  }

  write(line: string): void {
    if (this.#broken) return;
    if (this.#queuedBytes + line.length > this.#maxQueuedBytes) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    if (!this.#inFlight && this.#retry === null) this.#writeNext();
  }

  /** Resolves once every line written before the call has reached the descriptor (or was given up). */
  flush(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Writes what is not written yet, blocking: for the 'exit' event, when no event
   * loop is left. A write already in the thread pool is not repeated.
   */
  flushSync(): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    let chunk = this.#unwritten ?? this.#takeQueue();
    this.#unwritten = null;
    const deadline = Date.now() + EXIT_FLUSH_LIMIT_MS;
    while (chunk !== null && !this.#broken) {
      try {
        const written = writeSync(this.#fd, chunk);
        chunk = written < chunk.length ? chunk.subarray(written) : this.#takeQueue();
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) {
          this.#broken = true;
          break;
        }
        Atomics.wait(sleeper, 0, 0, RETRY_MS);
      }
    }
    this.#settleIdle();
  }

  #isIdle(): boolean {
    return this.#broken || (!this.#inFlight && this.#retry === null && this.#unwritten === null && this.#queue.length === 0);
  }

  #takeQueue(): Buffer | null {
    if (this.#dropped > 0 && this.#queue.length === 0) {
      const notice = { level: 'warn', time: new Date().toISOString(), droppedLines: this.#dropped, msg: 'log lines dropped: stdout did not keep up' };
      this.#dropped = 0;
      return Buffer.from(`${JSON.stringify(notice)}\n`);
    }
    if (this.#queue.length === 0) return null;
    const text = this.#queue.join('');
    this.#queue = [];
    this.#queuedBytes = 0;
    return Buffer.from(text);
  }

  #writeNext(): void {
    const chunk = this.#unwritten ?? this.#takeQueue();
    this.#unwritten = null;
    if (chunk === null || this.#broken) {
      this.#settleIdle();
      return;
    }
    this.#inFlight = true;
    write(this.#fd, chunk, 0, chunk.length, null, (error, written) => {
      this.#inFlight = false;
      if (error) {
        if (!isBusy(error)) {
          this.#broken = true;
          this.#settleIdle();
          return;
        }
        this.#unwritten = chunk;
        this.#retry = setTimeout(() => {
          this.#retry = null;
          this.#writeNext();
        }, RETRY_MS);
        return;
      }
      if (written < chunk.length) this.#unwritten = chunk.subarray(written);
      this.#writeNext();
    });
  }

  #settleIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}

let stdout: AsyncLogDestination | null = null;

/** The process's one stdout log destination, flushed synchronously on 'exit'. */
export function stdoutLog(): AsyncLogDestination {
  if (stdout === null) {
    const destination = new AsyncLogDestination({ fd: 1 });
    process.once('exit', () => destination.flushSync());
    stdout = destination;
  }
  return stdout;
}
