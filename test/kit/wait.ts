// Waiting for a condition with a bound, never for a fixed time. The condition
// is re-checked every `intervalMs`, and at once whenever `wakeOn` (an emitter
// of the thing watched, e.g. a fake) reports a 'change'. It fails after
// `timeoutMs` with an error naming `what` and the check's last error, or as
// soon as `signal` aborts (with the signal's reason).
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message ("the call to be bridged"). */
  readonly what?: string;
  readonly signal?: AbortSignal;
  /** Re-check as soon as this emits 'change' rather than at the next interval. */
  readonly wakeOn?: EventEmitter;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_INTERVAL_MS = 10;

export class WaitTimeoutError extends Error {
  readonly what: string;
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number, lastError: unknown) {
    const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    this.name = 'WaitTimeoutError';
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

/** Resolves once `check` returns true; a check that throws counts as false (its error goes in the timeout message). */
export async function waitUntil(check: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      if (await check()) return;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    const remainingMs = deadline - performance.now();
    if (remainingMs <= 0) throw new WaitTimeoutError(options.what ?? 'a condition', timeoutMs, lastError);
    await nextCheck(Math.min(options.intervalMs ?? DEFAULT_INTERVAL_MS, remainingMs), options);
  }
}

/** Resolves with the first value `read` returns other than null or undefined. */
export async function waitFor<T>(read: () => T | null | undefined | Promise<T | null | undefined>, options: WaitOptions = {}): Promise<T> {
  let value: T | null | undefined;
  await waitUntil(async () => {
    value = await read();
    return value !== null && value !== undefined;
  }, options);
  return value as T;
}

/** Resolves after `ms`, on a 'change' of `wakeOn`, or when `signal` aborts (the loop then throws). */
function nextCheck(ms: number, options: WaitOptions): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      options.wakeOn?.off('change', done);
      options.signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    options.wakeOn?.on('change', done);
    options.signal?.addEventListener('abort', done, { once: true });
  });
}
