// Fixed-resolution histogram of how late outbound packets left against their
// schedule. Recording is O(1) with no allocation; percentiles walk the buckets.
//
// Bucket i counts values in [i, i+1) x resolutionMs; the last bucket counts
// everything from maxMs up (overflow). Early sends (negative lateness) count
// as 0. This is the shape GatewayStats.pacing exposes: clients keep two
// snapshots of counts() and subtractCounts() them for a window's distribution.
//
// percentile(p) uses the nearest-rank method and answers the upper edge of the
// bucket holding that rank, capped at the largest value seen: never below the
// true percentile, at most one resolution step above it, and never above max.
// A rank in the overflow bucket answers max (at least maxMs).

export const DEFAULT_PACING_RESOLUTION_MS = 0.1;
export const DEFAULT_PACING_MAX_MS = 50;

/** Absorbs binary rounding so that e.g. 0.3 ms lands in bucket 3 at 0.1 ms resolution. */
const BUCKET_EPSILON = 1e-9;
const RANK_EPSILON = 1e-12;

export interface PacingSnapshot {
  resolutionMs: number;
  counts: number[];
}

export class PacingHistogram {
  readonly resolutionMs: number;
  readonly maxMs: number;
  readonly #counts: Float64Array;
  readonly #overflowIndex: number;
  #count = 0;
  #max = 0;
  #sumMs = 0;

  constructor(resolutionMs = DEFAULT_PACING_RESOLUTION_MS, maxMs = DEFAULT_PACING_MAX_MS) {
    if (!(resolutionMs > 0) || !Number.isFinite(resolutionMs)) {
      throw new RangeError(`resolutionMs must be a positive number, got ${resolutionMs}`);
    }
    const buckets = Math.round(maxMs / resolutionMs);
    if (!(buckets >= 1) || Math.abs(buckets * resolutionMs - maxMs) > resolutionMs * 1e-6) {
      throw new RangeError(`maxMs (${maxMs}) must be a positive multiple of resolutionMs (${resolutionMs})`);
    }
    this.resolutionMs = resolutionMs;
    this.maxMs = maxMs;
    this.#overflowIndex = buckets;
    this.#counts = new Float64Array(buckets + 1);
  }

  /**
   * Rebuilds a histogram from counts (e.g. a subtractCounts() window); max becomes
   * the top edge of the highest non-empty bucket (maxMs for the overflow bucket).
   */
  static fromCounts(counts: readonly number[], resolutionMs = DEFAULT_PACING_RESOLUTION_MS): PacingHistogram {
    if (counts.length < 2) throw new RangeError('counts needs at least one bucket plus the overflow bucket');
    const histogram = new PacingHistogram(resolutionMs, (counts.length - 1) * resolutionMs);
    let highest = -1;
    for (let i = 0; i < counts.length; i += 1) {
      const n = counts[i]!;
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`counts[${i}] must be a non-negative integer, got ${n}`);
      histogram.#counts[i] = n;
      histogram.#count += n;
      // Exact values are gone: bucket midpoints (the overflow bucket at its lower edge).
      histogram.#sumMs += n * (i === counts.length - 1 ? i * resolutionMs : (i + 0.5) * resolutionMs);
      if (n > 0) highest = i;
    }
    if (highest >= 0) histogram.#max = histogram.#upperEdge(highest);
    return histogram;
  }

  get count(): number {
    return this.#count;
  }

  /** Sum of the values recorded, in ms (Prometheus `_sum`). */
  get sumMs(): number {
    return this.#sumMs;
  }

  /** Values recorded at or below `ms` (bucket resolution; for cumulative Prometheus buckets). */
  countAtOrBelow(ms: number): number {
    const last = Math.min(this.#overflowIndex, Math.floor(ms / this.resolutionMs + BUCKET_EPSILON));
    let seen = 0;
    for (let i = 0; i < last; i += 1) seen += this.#counts[i]!;
    return seen;
  }

  /** Largest value recorded (0 when empty). */
  get max(): number {
    return this.#max;
  }

  record(lateMs: number): void {
    const value = lateMs > 0 ? lateMs : 0;
    const bucket = Math.floor(value / this.resolutionMs + BUCKET_EPSILON);
    this.#counts[bucket < this.#overflowIndex ? bucket : this.#overflowIndex]! += 1;
    this.#count += 1;
    this.#sumMs += value;
    if (value > this.#max) this.#max = value;
  }

  /** The p-th percentile (p in [0, 100]) in ms; 0 when empty. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
    if (this.#count === 0) return 0;
    // The tolerance keeps binary rounding (99.9 / 100 * 1000 = 999.0000000000001) from skipping a rank.
    const exactRank = (p / 100) * this.#count;
    const rank = Math.max(1, Math.ceil(exactRank - exactRank * RANK_EPSILON));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i += 1) {
      seen += this.#counts[i]!;
      if (seen >= rank) return i === this.#overflowIndex ? this.#max : Math.min(this.#upperEdge(i), this.#max);
    }
    return this.#max;
  }

  /** A copy of the bucket counts; the last one is the overflow bucket. */
  counts(): number[] {
    return Array.from(this.#counts);
  }

  snapshot(): PacingSnapshot {
    return { resolutionMs: this.resolutionMs, counts: this.counts() };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#max = 0;
    this.#sumMs = 0;
  }

  #upperEdge(bucket: number): number {
    return bucket >= this.#overflowIndex ? this.maxMs : (bucket + 1) * this.resolutionMs;
  }
}

/** `later - earlier` bucket by bucket: the distribution recorded between two snapshots of one histogram. */
export function subtractCounts(later: readonly number[], earlier: readonly number[]): number[] {
  if (later.length !== earlier.length) {
    throw new RangeError(`snapshots have different bucket counts (${later.length} and ${earlier.length})`);
  }
  const window = new Array<number>(later.length);
  for (let i = 0; i < later.length; i += 1) {
    const n = later[i]! - earlier[i]!;
    if (n < 0) throw new RangeError(`bucket ${i} went down (${earlier[i]} to ${later[i]}): snapshots swapped or histogram reset`);
    window[i] = n;
  }
  return window;
}
