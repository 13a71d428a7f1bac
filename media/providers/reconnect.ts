// The one rule for streams that drop mid-call (provider-timing.ts holds the
// numbers): a retryable failure is followed by attempts to open the stream
// again after RECONNECT_BACKOFF_MS each, within a per-call budget of
// RECONNECTS_PER_WINDOW per RECONNECT_WINDOW_MS. A refused key, a rejected
// request, an exhausted budget or failed attempts give up with the error, and
// the call then does what it does for a provider that is down.
import { ProviderError } from './provider-error.js';
import { RECONNECT_BACKOFF_MS, RECONNECT_WINDOW_MS, RECONNECTS_PER_WINDOW, sleep } from './provider-timing.js';

export interface ReconnectPolicy {
  readonly backoffMs: readonly number[];
  readonly perWindow: number;
  readonly windowMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = Object.freeze({
  backoffMs: RECONNECT_BACKOFF_MS,
  perWindow: RECONNECTS_PER_WINDOW,
  windowMs: RECONNECT_WINDOW_MS,
});

/** A failure worth opening the stream again for: the same request may work on a new connection. */
export function isRetryableFailure(error: unknown): boolean {
  return error instanceof ProviderError && error.retryable && error.code !== 'auth' && error.code !== 'rejected';
}

/** Counts re-openings over a sliding window (per call and provider). */
export class ReconnectBudget {
  readonly #policy: ReconnectPolicy;
  readonly #at: number[] = [];

  constructor(policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY) {
    this.#policy = policy;
  }

  /** True (and counted) when one more re-opening fits in the window ending at `nowMs`. */
  take(nowMs: number): boolean {
    while (this.#at.length > 0 && nowMs - this.#at[0]! >= this.#policy.windowMs) this.#at.shift();
    if (this.#at.length >= this.#policy.perWindow) return false;
    this.#at.push(nowMs);
    return true;
  }
}

export interface ReopenOptions {
  readonly signal: AbortSignal;
  readonly policy?: ReconnectPolicy;
  /** Told before every attempt (1-based) and the failure that led to it. */
  readonly onAttempt?: (attempt: number, cause: unknown) => void;
}

/**
 * Opens the stream again after `cause` (a retryable failure), trying once per
 * backoff step. Rejects with the last failure when every attempt failed or a
 * failure is not retryable, or with the signal's reason when it aborts.
 */
export async function reopen<T>(open: (signal: AbortSignal) => Promise<T>, cause: unknown, options: ReopenOptions): Promise<T> {
  const { signal } = options;
  const policy = options.policy ?? DEFAULT_RECONNECT_POLICY;
  let failure = cause;
  for (const [index, waitMs] of policy.backoffMs.entries()) {
    if (!isRetryableFailure(failure)) break;
    if (waitMs > 0 && !(await sleep(waitMs, signal))) throw signal.reason;
    if (signal.aborted) throw signal.reason;
    options.onAttempt?.(index + 1, failure);
    try {
      return await open(signal);
    } catch (error: unknown) {
      if (signal.aborted) throw signal.reason;
      failure = error;
    }
  }
  throw failure;
}
