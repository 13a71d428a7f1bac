// Failed sign-in attempts, counted in memory in sliding windows per email and
// per client address. In memory means per backend process and reset by a
// restart: enough to make online guessing slow (5 guesses per account per
// 15 minutes), not a shared quota across replicas.

export interface WindowRule {
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const LOGIN_LIMITS = Object.freeze({
  perEmail: Object.freeze({ maxFailures: 5, windowMs: 15 * 60_000 }),
  perIp: Object.freeze({ maxFailures: 20, windowMs: 15 * 60_000 }),
});

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

/**
 * What sign-in needs from a limiter. Synchronous in memory (LoginRateLimiter), or
 * asynchronous when the failures are counted in PostgreSQL and shared by every
 * backend replica (cluster/shared-login-limiter.ts).
 */
export interface LoginLimiter {
  retryAfterMs(email: string, ip: string): number | Promise<number>;
  recordFailure(email: string, ip: string): void | Promise<void>;
  recordSuccess(email: string): void | Promise<void>;
}

export class LoginRateLimiter implements LoginLimiter {
  private readonly byEmail: SlidingWindowCounter;
  private readonly byIp: SlidingWindowCounter;

  constructor(nowMs: () => number = Date.now, limits: { perEmail: WindowRule; perIp: WindowRule } = LOGIN_LIMITS) {
    this.byEmail = new SlidingWindowCounter(limits.perEmail, nowMs);
    this.byIp = new SlidingWindowCounter(limits.perIp, nowMs);
  }

  /** 0 when this sign-in may be tried, else the ms to wait (Retry-After). */
  retryAfterMs(email: string, ip: string): number {
    return Math.max(this.byEmail.retryAfterMs(email), this.byIp.retryAfterMs(ip));
  }

  recordFailure(email: string, ip: string): void {
    this.byEmail.recordFailure(email);
    this.byIp.recordFailure(ip);
  }

  /** A successful sign-in clears the account's failures (not the address's). */
  recordSuccess(email: string): void {
    this.byEmail.reset(email);
  }
}
