// The login rate limiter's sliding windows.
import { describe, expect, it } from 'vitest';
import { LoginRateLimiter, SlidingWindowCounter } from '../../../src/staff/login-rate-limiter.js';

describe('login rate limiter', () => {
  it('counts failures in a sliding window and says when to retry', () => {
    let now = 1_000_000;
    const counter = new SlidingWindowCounter({ maxFailures: 3, windowMs: 10_000 }, () => now);
    counter.recordFailure('k');
    now += 2_000;
    counter.recordFailure('k');
    now += 2_000;
    expect(counter.retryAfterMs('k')).toBe(0);
    counter.recordFailure('k');
    expect(counter.retryAfterMs('k')).toBe(6_000);
    now += 6_000;
    // The first failure left the window: one more attempt is allowed.
    expect(counter.retryAfterMs('k')).toBe(0);
    counter.recordFailure('k');
    expect(counter.retryAfterMs('k')).toBe(2_000);
    counter.reset('k');
    expect(counter.retryAfterMs('k')).toBe(0);
    expect(counter.size).toBe(0);
  });

  it('stays bounded in memory: expired keys go first, then the oldest', () => {
    let now = 0;
    const counter = new SlidingWindowCounter({ maxFailures: 1, windowMs: 1_000 }, () => now, 3);
    for (const key of ['a', 'b', 'c']) counter.recordFailure(key);
    now = 5_000;
    counter.recordFailure('d');
    expect(counter.size).toBe(1);
    for (const key of ['e', 'f', 'g']) counter.recordFailure(key);
    expect(counter.size).toBe(3);
    expect(counter.retryAfterMs('d')).toBe(0);
    expect(counter.retryAfterMs('g')).toBe(1_000);
  });

  it('limits per email and per address, and a success clears the email only', () => {
    let now = 0;
    const limiter = new LoginRateLimiter(() => now, {
      perEmail: { maxFailures: 2, windowMs: 60_000 },
      perIp: { maxFailures: 3, windowMs: 60_000 },
    });
    limiter.recordFailure('a@x', '1.1.1.1');
    limiter.recordFailure('a@x', '1.1.1.1');
    expect(limiter.retryAfterMs('a@x', '2.2.2.2')).toBe(60_000);
    expect(limiter.retryAfterMs('b@x', '1.1.1.1')).toBe(0);
    limiter.recordFailure('b@x', '1.1.1.1');
    now = 1_000;
    expect(limiter.retryAfterMs('c@x', '1.1.1.1')).toBe(59_000);
    limiter.recordSuccess('a@x');
    expect(limiter.retryAfterMs('a@x', '2.2.2.2')).toBe(0);
    expect(limiter.retryAfterMs('a@x', '1.1.1.1')).toBe(59_000);
  });
});
