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

// A bound, not a pace: a condition met sooner returns at once. Generous because
// CI machines are small and shared (two cores running several programs per test).
const DEFAULT_TIMEOUT_MS = 20_000;
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
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = performance.now() + timeoutMs;
  const { signal, wakeOn } = options;
  // Listening for the whole wait: a change (or an abort) while a check runs is not lost.
  let woken: boolean;
  let wake: (() => void) | null = null;
  const onWake = (): void => {
    woken = true;
    wake?.();
  };
  wakeOn?.on('change', onWake);
  signal?.addEventListener('abort', onWake);
  let lastError: unknown;
  try {
    for (;;) {
      signal?.throwIfAborted();
      woken = false;
      try {
        if (await check()) return;
        lastError = null;
      } catch (error) {
        lastError = error;
      }
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) throw new WaitTimeoutError(options.what ?? 'a condition', timeoutMs, lastError);
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(intervalMs, remainingMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  } finally {
    wakeOn?.off('change', onWake);
    signal?.removeEventListener('abort', onWake);
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
