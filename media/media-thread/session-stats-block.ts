// A session's SessionStats in a SharedArrayBuffer: the media thread writes it
// after every tick, the main thread reads it whenever the control API asks,
// without a round trip. A reader may see figures from two adjacent ticks: each
// is a counter read whole (one Float64), never a torn value.
import type { SessionStats } from '../contract/sessions.js';

const FIELDS = [
  'packetsIn',
  'packetsOut',
  'bytesIn',
  'bytesOut',
  'malformed',
  'ssrc',
  'lost',
  'late',
  'reordered',
  'duplicates',
  'ssrcChanges',
  'concealedFrames',
  'jitterMs',
  'playoutUnderruns',
  'pacingP50',
  'pacingP99',
  'pacingMax',
  /** 1 once the media runs (answered). */
  'answered',
] as const;

const INDEX = Object.fromEntries(FIELDS.map((name, i) => [name, i])) as Record<(typeof FIELDS)[number], number>;
/** ssrc is null before the first packet. */
const NO_SSRC = -1;

export function createStatsBlock(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(FIELDS.length * 8);
  new Float64Array(buffer)[INDEX.ssrc] = NO_SSRC;
  return buffer;
}

export function writeStats(block: Float64Array, stats: SessionStats, answered: boolean): void {
  block[INDEX.packetsIn] = stats.packetsIn;
  block[INDEX.packetsOut] = stats.packetsOut;
  block[INDEX.bytesIn] = stats.bytesIn;
  block[INDEX.bytesOut] = stats.bytesOut;
  block[INDEX.malformed] = stats.malformed;
  block[INDEX.ssrc] = stats.ssrc ?? NO_SSRC;
  block[INDEX.lost] = stats.lost;
  block[INDEX.late] = stats.late;
  block[INDEX.reordered] = stats.reordered;
  block[INDEX.duplicates] = stats.duplicates;
  block[INDEX.ssrcChanges] = stats.ssrcChanges;
  block[INDEX.concealedFrames] = stats.concealedFrames;
  block[INDEX.jitterMs] = stats.jitterMs;
  block[INDEX.playoutUnderruns] = stats.playoutUnderruns;
  block[INDEX.pacingP50] = stats.pacingErrorMs.p50;
  block[INDEX.pacingP99] = stats.pacingErrorMs.p99;
  block[INDEX.pacingMax] = stats.pacingErrorMs.max;
  block[INDEX.answered] = answered ? 1 : 0;
}

export function readStats(block: Float64Array): SessionStats {
  const ssrc = block[INDEX.ssrc]!;
  return {
    packetsIn: block[INDEX.packetsIn]!,
    packetsOut: block[INDEX.packetsOut]!,
    bytesIn: block[INDEX.bytesIn]!,
    bytesOut: block[INDEX.bytesOut]!,
    malformed: block[INDEX.malformed]!,
    foreignSource: 0,
    ssrc: ssrc === NO_SSRC ? null : ssrc,
    lost: block[INDEX.lost]!,
    late: block[INDEX.late]!,
    reordered: block[INDEX.reordered]!,
    duplicates: block[INDEX.duplicates]!,
    ssrcChanges: block[INDEX.ssrcChanges]!,
    concealedFrames: block[INDEX.concealedFrames]!,
    jitterMs: block[INDEX.jitterMs]!,
    playoutUnderruns: block[INDEX.playoutUnderruns]!,
    pacingErrorMs: { p50: block[INDEX.pacingP50]!, p99: block[INDEX.pacingP99]!, max: block[INDEX.pacingMax]! },
  };
}

export function readAnswered(block: Float64Array): boolean {
  return block[INDEX.answered] === 1;
}
