// Capped exponential backoff with "equal jitter": the ceiling doubles per attempt up to maxMs,
// and the delay is half the ceiling plus a random share of the other half. The delay therefore
// lies in [ceiling / 2, ceiling] and never collapses to 0, while concurrent clients still spread.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

/** Exponent cap so that `2 ** attempt` stays finite for any attempt count. */
const MAX_EXPONENT = 30;

/**
 * Delay before retry number `attempt` (0-based): attempt 0 gives a delay in [minMs / 2, minMs],
 * every later attempt doubles the ceiling until it reaches maxMs.
 * @param random returns a number in [0, 1) (Math.random in production; injected in tests).
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const minMs = Math.max(0, options.minMs);
  const maxMs = Math.max(minMs, options.maxMs);
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  const ceilingMs = Math.min(maxMs, minMs * 2 ** exponent);
  const drawn = random();
  const share = Number.isFinite(drawn) ? Math.min(1, Math.max(0, drawn)) : 0.5;
  const half = ceilingMs / 2;
  return Math.round(half + share * half);
}
