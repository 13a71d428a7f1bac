// Failures counted in memory in sliding windows per key (SlidingWindowCounter),
// and the window rule the staff sign-in throttle also applies (login-throttle.ts,
// which counts in PostgreSQL so that every replica shares its counts).
// In memory means per backend process and reset by a restart: enough for the
// operator sign-in limit, which guards one random token of at least 16
// characters rather than people's passwords, so that N replicas multiplying
// its 10 tries per 15 minutes still leave guessing hopeless.

export interface WindowRule {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** Keys remembered at most; beyond, expired keys are swept, then the oldest dropped. */
const DEFAULT_MAX_KEYS = 50_000;

/** Failure times per key within a sliding window. Pure: the clock is injected. */
export class SlidingWindowCounter {
  /** key -> failure times (epoch ms), oldest first. Map order = first failure order. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly rule: WindowRule,
    private readonly nowMs: () => number,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  /** 0 when `key` may try now, else how long until the oldest failure leaves the window. */
  retryAfterMs(key: string): number {
    const times = this.recent(key);
    if (times.length < this.rule.maxFailures) return 0;
    const oldestCounted = times[times.length - this.rule.maxFailures]!;
    return Math.max(1, oldestCounted + this.rule.windowMs - this.nowMs());
  }

  recordFailure(key: string): void {
    const times = this.recent(key);
    times.push(this.nowMs());
    // Only the last maxFailures matter for the decision.
    if (times.length > this.rule.maxFailures) times.splice(0, times.length - this.rule.maxFailures);
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > this.maxKeys) this.evict();
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  get size(): number {
    return this.failures.size;
  }

  private recent(key: string): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const since = this.nowMs() - this.rule.windowMs;
    const kept = times.filter((at) => at > since);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }

  private evict(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) return;
      this.failures.delete(key);
    }
  }
}
