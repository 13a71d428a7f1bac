import { describe, expect, it } from 'vitest';
import { PacingHistogram, subtractCounts } from '../../../media/rtp/pacing-histogram.js';

describe('PacingHistogram', () => {
  it('has 0.1 ms buckets up to 50 ms plus one overflow bucket by default', () => {
    const histogram = new PacingHistogram();
    expect(histogram.resolutionMs).toBe(0.1);
    expect(histogram.maxMs).toBe(50);
    expect(histogram.counts()).toHaveLength(501);
    expect(histogram.percentile(50)).toBe(0);
    expect(histogram.count).toBe(0);
    expect(histogram.max).toBe(0);
  });

  it('puts each value in the bucket [i, i+1) x resolution, early sends in bucket 0 and the rest in overflow', () => {
    const histogram = new PacingHistogram(0.1, 1);
    for (const lateMs of [0, 0.05, 0.1, 0.3, 0.99, -2, 1, 7.5]) histogram.record(lateMs);
    expect(histogram.counts()).toEqual([3, 1, 0, 1, 0, 0, 0, 0, 0, 1, 2]);
    expect(histogram.count).toBe(8);
    expect(histogram.max).toBe(7.5);
  });

  it('answers nearest-rank percentiles at bucket resolution, capped by the largest value', () => {
    const histogram = new PacingHistogram(0.1, 50);
    // Values 0.1, 0.2, ... 10.0 ms.
    for (let i = 1; i <= 100; i += 1) histogram.record(i / 10);
    expect(histogram.percentile(50)).toBeCloseTo(5.1, 9);
    expect(histogram.percentile(99)).toBeCloseTo(10, 9);
    expect(histogram.percentile(100)).toBe(10);
    expect(histogram.percentile(0)).toBeCloseTo(0.2, 9);
    expect(histogram.max).toBe(10);
    expect(() => histogram.percentile(101)).toThrow(RangeError);
    expect(() => histogram.percentile(Number.NaN)).toThrow(RangeError);
  });

  it('reports a mostly punctual distribution with a slow tail', () => {
    const histogram = new PacingHistogram();
    for (let i = 0; i < 990; i += 1) histogram.record(0.04);
    for (let i = 0; i < 9; i += 1) histogram.record(2.35);
    histogram.record(80);
    // Bucket resolution: 0.04 ms reads as the top of its bucket.
    expect(histogram.percentile(50)).toBeCloseTo(0.1, 9);
    // Rank 990 of 1000 is the last punctual packet; ranks 991-999 are the 2.35 ms ones.
    expect(histogram.percentile(99)).toBeCloseTo(0.1, 9);
    expect(histogram.percentile(99.1)).toBeCloseTo(2.4, 9);
    expect(histogram.percentile(99.9)).toBeCloseTo(2.4, 9);
    expect(histogram.percentile(100)).toBe(80);
    expect(histogram.max).toBe(80);
  });

  it('returns a copy of its counts and forgets everything on reset()', () => {
    const histogram = new PacingHistogram(1, 10);
    histogram.record(3.5);
    const counts = histogram.counts();
    counts[3] = 1000;
    expect(histogram.counts()[3]).toBe(1);
    expect(histogram.snapshot()).toEqual({ resolutionMs: 1, counts: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] });
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.max).toBe(0);
    expect(histogram.counts().every((n) => n === 0)).toBe(true);
  });

  it('gives the percentiles of a window from two snapshots', () => {
    const histogram = new PacingHistogram(0.5, 20);
    for (let i = 0; i < 1000; i += 1) histogram.record(0.2);
    const before = histogram.counts();
    for (let i = 0; i < 90; i += 1) histogram.record(3.2);
    for (let i = 0; i < 10; i += 1) histogram.record(12.7);
    const window = PacingHistogram.fromCounts(subtractCounts(histogram.counts(), before), 0.5);
    expect(window.count).toBe(100);
    expect(window.percentile(50)).toBe(3.5);
    expect(window.percentile(90)).toBe(3.5);
    expect(window.percentile(95)).toBe(13);
    expect(window.max).toBe(13);
    // Over the whole run the same late packets are under 10 %: the median stays in the first bucket.
    expect(histogram.percentile(50)).toBe(0.5);
    expect(histogram.percentile(95)).toBe(3.5);
  });

  it('rebuilds from counts whose top bucket is the overflow', () => {
    const rebuilt = PacingHistogram.fromCounts([2, 0, 1], 5);
    expect(rebuilt.maxMs).toBe(10);
    expect(rebuilt.count).toBe(3);
    expect(rebuilt.max).toBe(10);
    expect(rebuilt.percentile(50)).toBe(5);
    expect(rebuilt.percentile(100)).toBe(10);
    expect(PacingHistogram.fromCounts([0, 0, 0], 5).percentile(99)).toBe(0);
  });

  it('rejects snapshots that cannot be subtracted and bad counts', () => {
    expect(subtractCounts([3, 2, 1], [1, 2, 0])).toEqual([2, 0, 1]);
    expect(() => subtractCounts([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => subtractCounts([1, 2, 3], [1, 3, 3])).toThrow(RangeError);
    expect(() => PacingHistogram.fromCounts([1, -1, 0])).toThrow(RangeError);
    expect(() => PacingHistogram.fromCounts([1])).toThrow(RangeError);
    expect(() => new PacingHistogram(0)).toThrow(RangeError);
    expect(() => new PacingHistogram(0.3, 1)).toThrow(RangeError);
  });
});
