import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../src/timing/backoff.js';

describe('backoffDelayMs (equal jitter)', () => {
  const options = { minMs: 200, maxMs: 5_000 };

  it('attempt 0 lies in [minMs / 2, minMs]', () => {
    expect(backoffDelayMs(0, options, () => 0)).toBe(100);
    expect(backoffDelayMs(0, options, () => 0.5)).toBe(150);
    expect(backoffDelayMs(0, options, () => 0.999999)).toBe(200);
  });

  it('doubles the ceiling per attempt', () => {
    expect(backoffDelayMs(1, options, () => 0.999999)).toBe(400);
    expect(backoffDelayMs(2, options, () => 0.999999)).toBe(800);
    expect(backoffDelayMs(3, options, () => 0)).toBe(800);
  });

  it('is capped at maxMs and never below maxMs / 2 once capped', () => {
    for (const attempt of [5, 6, 10, 50, 1_000, 1e9, Number.MAX_SAFE_INTEGER]) {
      expect(backoffDelayMs(attempt, options, () => 0.999999)).toBe(5_000);
      expect(backoffDelayMs(attempt, options, () => 0)).toBe(2_500);
    }
  });

  it('uses the injected random source for the jittered half', () => {
    const delays = [0, 0.25, 0.5, 0.75].map((value) => backoffDelayMs(4, options, () => value));
    expect(delays).toEqual([1_600, 2_000, 2_400, 2_800]);
  });

  it('never returns 0 or leaves its bounds, even for odd inputs', () => {
    for (let attempt = -3; attempt < 40; attempt += 1) {
      for (const value of [-1, 0, 0.3, 1, 2, Number.NaN]) {
        const delay = backoffDelayMs(attempt, options, () => value);
        expect(delay).toBeGreaterThanOrEqual(100);
        expect(delay).toBeLessThanOrEqual(5_000);
      }
    }
  });
});
