// Failures per key in sliding windows: the building block of the sign-in throttles.
import { describe, expect, it } from 'vitest';
import { SlidingWindowCounter } from '../../../src/staff/sliding-window-counter.js';

describe('sliding window counter', () => {
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
});
