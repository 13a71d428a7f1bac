// Waiting on a condition with a bound: re-checked every `intervalMs` until it
// holds, the timeout passes (an error naming `what`) or the demo is interrupted.

export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly intervalMs?: number;
}

const DEFAULT_INTERVAL_MS = 50;

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves with the first value `read` returns other than null/undefined. */
export async function waitFor<T>(read: () => T | null | undefined | Promise<T | null | undefined>, options: WaitOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    if (options.signal.aborted) throw options.signal.reason;
    const value = await read();
    if (value !== null && value !== undefined) return value;
    if (performance.now() >= deadline) throw new WaitTimeoutError(options.what, options.timeoutMs);
    await pause(options.intervalMs ?? DEFAULT_INTERVAL_MS, options.signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks it). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
