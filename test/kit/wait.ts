// Waiting for a condition with a bound, never for a fixed time. The condition
// is re-checked every `intervalMs` (by default every 10 ms at first, then less
// often as the wait goes on), and at once whenever `wakeOn` (an emitter of the
// thing watched, e.g. a fake) reports a 'change'. It fails after
// `timeoutMs` with an error naming `what` and the check's last error, or as
// soon as `signal` aborts (with the signal's reason).
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** A fixed pace. Default: 10 ms, backing off to a tenth of the time waited so far, at most 100 ms. */
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
// Many checks query the database or an HTTP endpoint, and a multi-second wait at
// 10 ms would spend a core on them (two programs, PostgreSQL and the test share
// two). Backing off to a tenth of the time waited keeps the delay after the
// condition holds at about a tenth of the wait, and never more than this:
const MAX_BACKOFF_INTERVAL_MS = 100;
const BACKOFF_FRACTION = 0.1;

/** The pause before the next check: `intervalMs` when given, else backing off with the time waited. */
function nextIntervalMs(fixedMs: number | undefined, waitedMs: number): number {
  if (fixedMs !== undefined) return fixedMs;
  return Math.min(MAX_BACKOFF_INTERVAL_MS, Math.max(DEFAULT_INTERVAL_MS, waitedMs * BACKOFF_FRACTION));
}

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
  const startedAt = performance.now();
  const deadline = startedAt + timeoutMs;
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
      const now = performance.now();
      const remainingMs = deadline - now;
      if (remainingMs <= 0) throw new WaitTimeoutError(options.what ?? 'a condition', timeoutMs, lastError);
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(nextIntervalMs(options.intervalMs, now - startedAt), remainingMs));
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
