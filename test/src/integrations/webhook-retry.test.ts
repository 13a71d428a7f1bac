// The webhook retry schedule (pure): retries back off exponentially and stop
// when the next one would fall past the maximum age (24 h).
import { describe, expect, it } from 'vitest';
import { nextRetryMs } from '../../../src/integrations/webhook-worker.js';

describe('nextRetryMs', () => {
  const schedule = { retryMinMs: 5_000, retryMaxMs: 3_600_000, maxAgeMs: 24 * 3_600_000 };
  // The top of the jitter (Math.random stays below 1; the backoff clamps to it).
  const top = () => 1;

  it('doubles from the first delay up to the maximum, with jitter in the upper half', () => {
    const delays = [1, 2, 3, 4, 12, 20].map((attempts) => nextRetryMs(attempts, 0, schedule, top));
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 3_600_000, 3_600_000]);
    expect(nextRetryMs(1, 0, schedule, () => 0)).toBe(2_500);
  });

  it('gives up when the next try would come after 24 hours', () => {
    expect(nextRetryMs(30, 23 * 3_600_000, schedule, top)).toBe(3_600_000);
    expect(nextRetryMs(30, 23 * 3_600_000 + 1, schedule, top)).toBeNull();
  });

  it('spans a full day of retries before giving up', () => {
    let ageMs = 0;
    let attempts = 0;
    for (let delay = nextRetryMs(1, ageMs, schedule, top); delay !== null; delay = nextRetryMs(attempts + 1, ageMs, schedule, top)) {
      ageMs += delay;
      attempts += 1;
    }
    expect(ageMs).toBeGreaterThan(23 * 3_600_000);
    expect(ageMs).toBeLessThanOrEqual(24 * 3_600_000);
    expect(attempts).toBeGreaterThan(20);
  });
});
