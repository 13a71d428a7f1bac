// Replays the arrival times of a real Asterisk 22.10.1 externalMedia stream
// (recordedInboundUlawRtp in test/kit/reference-media.ts) against a 20 ms playout clock.
import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterBufferPacket } from '../../../media/rtp/jitter-buffer.js';
import { recordedInboundUlawRtp } from '../../kit/reference-media.js';

const recorded = recordedInboundUlawRtp();

/** Arrival times with sub-ms precision: the first whole-ms t_ms plus the recorded intervals. */
function arrivalsMs(): number[] {
  const arrivals: number[] = [];
  let atMs = recorded[0]!.t_ms;
  for (const line of recorded) {
    if (line.interval_ms !== null) atMs += line.interval_ms;
    arrivals.push(atMs);
  }
  return arrivals;
}

interface ReplayResult {
  timeline: string[];
  stats: ReturnType<JitterBuffer['stats']>;
}

function replay(phaseMs: number, targetDelayFrames?: number): ReplayResult {
  const buffer = new JitterBuffer({ samplesPerFrame: 160, ...(targetDelayFrames === undefined ? {} : { targetDelayFrames }) });
  const arrivals = arrivalsMs();
  const packets: JitterBufferPacket[] = recorded.map((line) => ({
    sequenceNumber: line.seq,
    timestamp: line.timestamp,
    ssrc: line.ssrc,
    payload: new Uint8Array(line.payloadLen),
  }));
  const timeline: string[] = [];
  let next = 0;
  for (let tickMs = arrivals[0]! + phaseMs; next < packets.length || buffer.depthFrames > 0; tickMs += 20) {
    while (next < packets.length && arrivals[next]! <= tickMs) {
      buffer.push(packets[next]!, arrivals[next]!);
      next += 1;
    }
    const result = buffer.pop();
    timeline.push(result.kind === 'empty' ? 'empty' : `${result.kind} ${result.sequenceNumber}`);
  }
  return { timeline, stats: buffer.stats() };
}

describe('JitterBuffer replaying a recorded Asterisk stream', () => {
  it('holds the recording that the tests rely on', () => {
    expect(recorded).toHaveLength(300);
    const intervals = recorded.slice(1).map((line) => line.interval_ms!);
    expect(Math.min(...intervals)).toBeLessThan(15);
    expect(Math.max(...intervals)).toBeGreaterThan(25);
  });

  it('plays every packet in order with no loss or lateness at the default 60 ms target, whatever the clock phase', () => {
    const firstSeq = recorded[0]!.seq;
    const everyPacket = recorded.map((line) => `audio ${line.seq}`);
    for (let phaseMs = 0; phaseMs < 20; phaseMs += 0.5) {
      const { timeline, stats } = replay(phaseMs);
      const start = timeline.indexOf(`audio ${firstSeq}`);
      expect(timeline.slice(0, start).every((entry) => entry === 'empty')).toBe(true);
      expect(timeline.slice(start, start + 300)).toEqual(everyPacket);
      expect(stats).toMatchObject({
        received: 300, accepted: 300, lost: 0, late: 0, reordered: 0, duplicates: 0, overflowDropped: 0, restarts: 0,
      });
      // Only the end of the stream drains the buffer.
      expect(stats.underruns).toBe(0);
      expect(stats.depthFrames).toBe(0);
    }
  });

  it('estimates the recorded stream jitter at a few milliseconds', () => {
    const { stats } = replay(0);
    expect(stats.jitterMs).toBeGreaterThan(1);
    expect(stats.jitterMs).toBeLessThan(3);
  });

  it('underruns on the same stream when the target delay is a single frame', () => {
    let underruns = 0;
    for (let phaseMs = 0; phaseMs < 20; phaseMs += 0.5) underruns += replay(phaseMs, 1).stats.underruns;
    expect(underruns).toBeGreaterThan(0);
  });
});
