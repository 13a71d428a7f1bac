// A child's stdout read line by line, for programs that report on it (a port
// they bound, a measurement): waits for the next line that matters, with a bound.
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

export class LineReader {
  readonly #queued: string[] = [];
  readonly #what: string;
  readonly #context: () => string;
  #wake: (() => void) | null = null;
  #ended = false;

  /** `context()` is appended to errors (e.g. the child's last stderr lines). */
  constructor(input: Readable, what: string, context: () => string) {
    this.#what = what;
    this.#context = context;
    const lines = createInterface({ input });
    lines.on('line', (line) => {
      this.#queued.push(line);
      this.#wake?.();
    });
    lines.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  /** The next line that `accept` returns non-null for; other lines are skipped. */
  async next<T>(accept: (line: string) => T | null, timeoutMs: number, waitingFor: string): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      while (this.#queued.length > 0) {
        const value = accept(this.#queued.shift()!);
        if (value !== null) return value;
      }
      if (this.#ended) throw new Error(`${this.#what} exited while waiting for ${waitingFor}${this.#describeContext()}`);
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) throw new Error(`${this.#what}: no ${waitingFor} within ${timeoutMs} ms${this.#describeContext()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  #describeContext(): string {
    const context = this.#context();
    return context === '' ? '' : `; stderr:\n${context}`;
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
