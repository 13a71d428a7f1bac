// The gateway's pacing histogram (GatewayStats.pacing): subtract two
// snapshots to get one window's distribution, then read its quantiles.
import type { GatewayStats } from '../../media/contract/sessions.js';

export type PacingHistogram = GatewayStats['pacing'];

export interface Quantiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** True when a reported value sits in the open-ended last bucket (so it is a lower bound). */
  readonly beyondRange: boolean;
}

/** The packets counted between two snapshots of the same gateway. */
export function subtractPacing(before: PacingHistogram, after: PacingHistogram): PacingHistogram {
  if (before.resolutionMs !== after.resolutionMs || before.counts.length !== after.counts.length) {
    throw new Error('pacing histograms of different shapes cannot be subtracted');
  }
  return { resolutionMs: after.resolutionMs, counts: after.counts.map((count, i) => count - before.counts[i]!) };
}

/**
 * Quantiles as the upper edge of the bucket that holds them (conservative:
 * a packet 0.3 ms late in a 0.5 ms bucket reads as 0.5 ms). The last bucket is
 * open-ended, so a quantile there reads as its lower edge and sets beyondRange.
 */
export function pacingQuantiles(histogram: PacingHistogram): Quantiles {
  const { counts, resolutionMs } = histogram;
  const count = counts.reduce((sum, n) => sum + n, 0);
  const last = counts.length - 1;
  let beyondRange = false;
  const edge = (bucket: number): number => {
    if (bucket === last) {
      beyondRange = true;
      return bucket * resolutionMs;
    }
    return (bucket + 1) * resolutionMs;
  };
  const quantile = (q: number): number => {
    if (count === 0) return 0;
    const rank = Math.min(count - 1, Math.floor(q * count));
    let seen = 0;
    for (let bucket = 0; bucket <= last; bucket++) {
      seen += counts[bucket]!;
      if (seen > rank) return edge(bucket);
    }
    return edge(last);
  };
  let highest = -1;
  for (let bucket = last; bucket >= 0; bucket--) {
    if (counts[bucket]! > 0) {
      highest = bucket;
      break;
    }
  }
  const p50 = quantile(0.5);
  const p99 = quantile(0.99);
  const max = highest < 0 ? 0 : edge(highest);
  return { count, p50, p99, max, beyondRange };
}
