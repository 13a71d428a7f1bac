import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterBufferPacket, type JitterPopResult } from '../../../media/rtp/jitter-buffer.js';
import { seqAdd, tsAdd } from '../../../media/rtp/sequence.js';

const SAMPLES_PER_FRAME = 160;
const SSRC_A = 0x1cd615e2;
const SSRC_B = 0x0badcafe;

/** Packets of one stream by offset from its first packet; the payload names its stream and sequence. */
function stream(firstSeq: number, firstTs: number, ssrc = SSRC_A) {
  return (offset: number): JitterBufferPacket => {
    const sequenceNumber = seqAdd(firstSeq, offset);
    return {
      sequenceNumber,
      timestamp: tsAdd(firstTs, offset * SAMPLES_PER_FRAME),
      ssrc,
      payload: Uint8Array.of(sequenceNumber >> 8, sequenceNumber & 0xff, ssrc & 0xff),
    };
  };
}

/** Renders a pop result and checks that an audio payload is the one pushed for that sequence. */
function show(result: JitterPopResult): string {
  if (result.kind === 'audio') {
    const [high, low] = result.payload;
    expect((high! << 8) | low!).toBe(result.sequenceNumber);
    return `audio ${result.sequenceNumber}`;
  }
  if (result.kind === 'lost') return `lost ${result.sequenceNumber}`;
  return 'empty';
}

function pops(buffer: JitterBuffer, count: number): string[] {
  return Array.from({ length: count }, () => show(buffer.pop()));
}

function newBuffer(options: { targetDelayFrames?: number; maxDelayFrames?: number } = {}): JitterBuffer {
  return new JitterBuffer({ samplesPerFrame: SAMPLES_PER_FRAME, ...options });
}

describe('JitterBuffer', () => {
  it('plays an in-order stream in order once the target delay is buffered', () => {
    const buffer = newBuffer();
    const p = stream(1000, 5000);
    const played: string[] = [];
    // One arrival and one tick every 20 ms.
    for (let i = 0; i < 20; i += 1) {
      expect(buffer.push(p(i), i * 20)).toBe('accepted');
      played.push(show(buffer.pop()));
    }
    expect(played.slice(0, 2)).toEqual(['empty', 'empty']);
    expect(played.slice(2)).toEqual(Array.from({ length: 18 }, (_, i) => `audio ${1000 + i}`));
    expect(buffer.stats()).toMatchObject({ received: 20, accepted: 20, lost: 0, late: 0, underruns: 0, depthFrames: 2 });
    expect(buffer.stats().jitterMs).toBe(0);
  });

  it('prefetches targetDelayFrames before the first frame and does not count that as underrun', () => {
    const buffer = newBuffer({ targetDelayFrames: 4 });
    const p = stream(7, 0);
    expect(pops(buffer, 2)).toEqual(['empty', 'empty']);
    for (let i = 0; i < 3; i += 1) {
      buffer.push(p(i), i * 20);
      expect(show(buffer.pop())).toBe('empty');
      expect(buffer.playing).toBe(false);
    }
    buffer.push(p(3), 60);
    expect(show(buffer.pop())).toBe('audio 7');
    expect(buffer.playing).toBe(true);
    expect(buffer.stats().underruns).toBe(0);
  });

  it('keeps a packet reordered within the window and plays it in sequence order', () => {
    const buffer = newBuffer();
    const p = stream(200, 0);
    expect([0, 1, 3, 2, 4].map((i) => buffer.push(p(i), i * 20))).toEqual([
      'accepted', 'accepted', 'accepted', 'reordered', 'accepted',
    ]);
    expect(pops(buffer, 5)).toEqual(['audio 200', 'audio 201', 'audio 202', 'audio 203', 'audio 204']);
    expect(buffer.stats()).toMatchObject({ reordered: 1, lost: 0, late: 0 });
  });

  it('accepts a reordered packet that is still ahead of the playout point after playout started', () => {
    const buffer = newBuffer();
    const p = stream(10, 0);
    for (const i of [0, 1, 2, 4, 5]) buffer.push(p(i), i * 20);
    expect(pops(buffer, 2)).toEqual(['audio 10', 'audio 11']);
    expect(buffer.push(p(3), 100)).toBe('reordered');
    expect(pops(buffer, 4)).toEqual(['audio 12', 'audio 13', 'audio 14', 'audio 15']);
    expect(buffer.stats().lost).toBe(0);
  });

  it('lets an earlier packet move the playout point back while nothing has played yet', () => {
    const buffer = newBuffer();
    const p = stream(500, 0);
    expect(buffer.push(p(2), 0)).toBe('accepted');
    expect(buffer.push(p(1), 1)).toBe('reordered');
    expect(buffer.push(p(0), 2)).toBe('reordered');
    expect(pops(buffer, 3)).toEqual(['audio 500', 'audio 501', 'audio 502']);
    expect(buffer.stats()).toMatchObject({ reordered: 2, late: 0, lost: 0 });
  });

  it('drops an earlier packet during prefetch when it would exceed the maximum delay', () => {
    const buffer = newBuffer({ maxDelayFrames: 4 });
    const p = stream(500, 0);
    buffer.push(p(10), 0);
    expect(buffer.push(p(7), 1)).toBe('reordered');
    expect(buffer.push(p(6), 2)).toBe('late');
    expect(buffer.depthFrames).toBe(4);
  });

  it('drops duplicates, both still buffered and already played', () => {
    const buffer = newBuffer();
    const p = stream(65000, 0);
    buffer.push(p(0), 0);
    buffer.push(p(1), 20);
    expect(buffer.push(p(1), 21)).toBe('duplicate');
    buffer.push(p(2), 40);
    expect(pops(buffer, 2)).toEqual(['audio 65000', 'audio 65001']);
    expect(buffer.push(p(0), 50)).toBe('duplicate');
    expect(pops(buffer, 2)).toEqual(['audio 65002', 'empty']);
    expect(buffer.stats()).toMatchObject({ received: 5, accepted: 3, duplicates: 2, late: 0 });
  });

  it('drops a packet whose playout time has passed as late', () => {
    const buffer = newBuffer();
    const p = stream(30, 0);
    for (const i of [0, 1, 3, 4]) buffer.push(p(i), i * 20);
    expect(pops(buffer, 3)).toEqual(['audio 30', 'audio 31', 'lost 32']);
    expect(buffer.push(p(2), 90)).toBe('late');
    expect(pops(buffer, 2)).toEqual(['audio 33', 'audio 34']);
    expect(buffer.stats()).toMatchObject({ received: 5, accepted: 4, late: 1, lost: 1, duplicates: 0 });
  });

  it('reports single and burst losses as lost frames in place', () => {
    const buffer = newBuffer();
    const p = stream(100, 0);
    for (const i of [0, 1, 2, 4, 8, 9]) buffer.push(p(i), i * 20);
    expect(pops(buffer, 11)).toEqual([
      'audio 100', 'audio 101', 'audio 102', 'lost 103', 'audio 104',
      'lost 105', 'lost 106', 'lost 107', 'audio 108', 'audio 109', 'empty',
    ]);
    expect(buffer.stats()).toMatchObject({ lost: 4, underruns: 1, late: 0 });
  });

  it('handles loss, reorder and lateness across the 65535 -> 0 sequence wrap', () => {
    const buffer = newBuffer();
    const p = stream(65532, 0xffff_ffff - 2 * SAMPLES_PER_FRAME);
    // 65535 (offset 3) and 2 (offset 6) are missing; 0 arrives after 1.
    expect([0, 1, 2, 5, 4, 7].map((i) => buffer.push(p(i), i * 20))).toEqual([
      'accepted', 'accepted', 'accepted', 'accepted', 'reordered', 'accepted',
    ]);
    expect(pops(buffer, 5)).toEqual(['audio 65532', 'audio 65533', 'audio 65534', 'lost 65535', 'audio 0']);
    expect(buffer.push(p(3), 200)).toBe('late');
    expect(pops(buffer, 4)).toEqual(['audio 1', 'lost 2', 'audio 3', 'empty']);
    expect(buffer.stats()).toMatchObject({ lost: 2, late: 1, reordered: 1, restarts: 0 });
  });

  it('is unaffected by the timestamp wrapping past 2^32 - 1', () => {
    const buffer = newBuffer();
    const p = stream(4000, 0xffff_ffff - 3 * SAMPLES_PER_FRAME + 1);
    for (const i of [0, 1, 2, 3, 5, 4, 7, 8]) buffer.push(p(i), 1000 + i * 20);
    expect(pops(buffer, 10)).toEqual([
      'audio 4000', 'audio 4001', 'audio 4002', 'audio 4003', 'audio 4004',
      'audio 4005', 'lost 4006', 'audio 4007', 'audio 4008', 'empty',
    ]);
    expect(buffer.stats()).toMatchObject({ restarts: 0, reordered: 1, lost: 1 });
    // Spacing matched the timestamps except around the reordered pair, so the estimate stays small.
    expect(buffer.stats().jitterMs).toBeLessThan(10);
  });

  it('restarts on an SSRC change, discarding the old stream and priming again', () => {
    const buffer = newBuffer();
    const a = stream(1000, 0, SSRC_A);
    const b = stream(42, 777, SSRC_B);
    for (let i = 0; i < 5; i += 1) buffer.push(a(i), i * 20);
    expect(pops(buffer, 3)).toEqual(['audio 1000', 'audio 1001', 'audio 1002']);
    expect(buffer.push(b(0), 100)).toBe('restarted');
    expect(buffer.ssrc).toBe(SSRC_B);
    expect(show(buffer.pop())).toBe('empty');
    buffer.push(b(1), 120);
    buffer.push(b(2), 140);
    const frame = buffer.pop();
    expect(show(frame)).toBe('audio 42');
    expect(frame.kind === 'audio' && frame.payload[2]).toBe(SSRC_B & 0xff);
    expect(buffer.stats()).toMatchObject({ restarts: 1, ssrcChanges: 1, restartDropped: 2, lost: 0, underruns: 0 });
  });

  it('restarts on a sequence jump beyond restartJumpFrames with the same SSRC', () => {
    const buffer = newBuffer();
    const p = stream(10, 0);
    for (let i = 0; i < 3; i += 1) buffer.push(p(i), i * 20);
    expect(buffer.push(p(3 + 101), 60)).toBe('restarted');
    expect(buffer.push(p(3 + 101 - 200), 80)).toBe('restarted');
    expect(buffer.stats()).toMatchObject({ restarts: 2, ssrcChanges: 0, lost: 0 });
  });

  it('jumps the playout point over a long gap within restartJumpFrames and counts the gap as lost', () => {
    const buffer = newBuffer();
    const p = stream(100, 0);
    for (let i = 0; i < 3; i += 1) buffer.push(p(i), i * 20);
    expect(show(buffer.pop())).toBe('audio 100');
    expect(buffer.push(p(60), 1200)).toBe('accepted');
    expect(buffer.depthFrames).toBe(3);
    // 101 and 102 were buffered and skipped; 103..157 were never received.
    expect(buffer.stats()).toMatchObject({ overflowDropped: 2, lost: 55, restarts: 0 });
    expect(pops(buffer, 3)).toEqual(['lost 158', 'lost 159', 'audio 160']);
  });

  it('re-primes to the target delay after an underrun', () => {
    const buffer = newBuffer();
    const p = stream(300, 0);
    for (let i = 0; i < 3; i += 1) buffer.push(p(i), i * 20);
    expect(pops(buffer, 4)).toEqual(['audio 300', 'audio 301', 'audio 302', 'empty']);
    expect(buffer.stats().underruns).toBe(1);
    expect(buffer.playing).toBe(false);
    buffer.push(p(3), 100);
    expect(show(buffer.pop())).toBe('empty');
    buffer.push(p(4), 120);
    expect(show(buffer.pop())).toBe('empty');
    buffer.push(p(5), 140);
    expect(pops(buffer, 4)).toEqual(['audio 303', 'audio 304', 'audio 305', 'empty']);
    expect(buffer.stats()).toMatchObject({ underruns: 2, lost: 0 });
  });

  it('keeps its depth bounded after a burst of 30 packets', () => {
    const buffer = newBuffer();
    const p = stream(65520, 100);
    let offset = 0;
    for (; offset < 10; offset += 1) {
      buffer.push(p(offset), offset * 20);
      buffer.pop();
    }
    // The network stalls for 600 ms while the clock keeps ticking, then delivers 30 packets at once.
    const stalled = pops(buffer, 30);
    expect(stalled.filter((s) => s === 'empty').length).toBeGreaterThan(25);
    const depths: number[] = [];
    for (let i = 0; i < 30; i += 1, offset += 1) {
      buffer.push(p(offset), 800);
      depths.push(buffer.depthFrames);
    }
    expect(Math.max(...depths)).toBeLessThanOrEqual(buffer.maxDelayFrames);
    const stats = buffer.stats();
    expect(stats.depthFrames).toBe(6);
    expect(stats.overflowDropped).toBe(24);
    expect(stats.lost).toBe(0);
    const newest = Array.from({ length: 6 }, (_, i) => `audio ${seqAdd(65520, offset - 6 + i)}`);
    expect(pops(buffer, 7)).toEqual([...newest, 'empty']);
  });

  it('keeps its counters consistent under random loss, reorder and duplication across the wrap', () => {
    const buffer = newBuffer();
    const p = stream(65000, 0xffff_f000);
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const inFlight: { packet: JitterBufferPacket; dueMs: number }[] = [];
    const playedAudio: number[] = [];
    let lostOrAudio = 0;
    for (let tick = 0; tick < 3000; tick += 1) {
      const nowMs = tick * 20;
      if (random() > 0.03) {
        const delayMs = random() < 0.05 ? 30 + random() * 80 : random() * 25;
        inFlight.push({ packet: p(tick), dueMs: nowMs + delayMs });
        if (random() < 0.02) inFlight.push({ packet: p(tick), dueMs: nowMs + delayMs + random() * 40 });
      }
      inFlight.sort((x, y) => x.dueMs - y.dueMs);
      while (inFlight.length > 0 && inFlight[0]!.dueMs <= nowMs + 10) {
        const { packet, dueMs } = inFlight.shift()!;
        buffer.push(packet, dueMs);
        expect(buffer.depthFrames).toBeLessThanOrEqual(buffer.maxDelayFrames);
      }
      const result = buffer.pop();
      if (result.kind === 'audio') playedAudio.push(result.sequenceNumber);
      if (result.kind !== 'empty') lostOrAudio += 1;
    }
    for (let i = 0; i < 20 && buffer.depthFrames > 0; i += 1) {
      const result = buffer.pop();
      if (result.kind === 'audio') playedAudio.push(result.sequenceNumber);
      if (result.kind !== 'empty') lostOrAudio += 1;
    }
    const stats = buffer.stats();
    expect(stats.depthFrames).toBe(0);
    expect(stats.restarts).toBe(0);
    expect(stats.received).toBe(stats.accepted + stats.duplicates + stats.late);
    expect(stats.accepted).toBe(playedAudio.length + stats.overflowDropped);
    expect(lostOrAudio).toBe(playedAudio.length + stats.lost);
    expect(stats.duplicates).toBeGreaterThan(0);
    expect(stats.late).toBeGreaterThan(0);
    expect(stats.reordered).toBeGreaterThan(0);
    // Every sequence plays at most once and in order, across the wrap.
    for (let i = 1; i < playedAudio.length; i += 1) {
      expect((playedAudio[i]! - playedAudio[i - 1]! + 0x10000) & 0xffff).toBeGreaterThan(0);
      expect((playedAudio[i]! - playedAudio[i - 1]! + 0x10000) & 0xffff).toBeLessThan(0x8000);
    }
  });

  it('rejects inconsistent options', () => {
    expect(() => newBuffer({ targetDelayFrames: 0 })).toThrow(RangeError);
    expect(() => newBuffer({ targetDelayFrames: 5, maxDelayFrames: 4 })).toThrow(RangeError);
    expect(() => newBuffer({ maxDelayFrames: 33 })).toThrow(RangeError);
    expect(() => new JitterBuffer({ samplesPerFrame: 0 })).toThrow(RangeError);
  });
});

describe('JitterBuffer payload memory', () => {
  it('keeps its own copy: the datagram may be reused as soon as push() returns', () => {
    const buffer = newBuffer({ targetDelayFrames: 2 });
    const datagram = new Uint8Array(160);
    for (let seq = 100; seq < 103; seq += 1) {
      datagram.fill(seq);
      buffer.push({ sequenceNumber: seq, timestamp: seq * SAMPLES_PER_FRAME, ssrc: SSRC_A, payload: datagram }, seq * 20);
    }
    datagram.fill(0);
    for (const seq of [100, 101]) {
      const result = buffer.pop();
      expect(result.kind).toBe('audio');
      if (result.kind !== 'audio') return;
      expect(result.sequenceNumber).toBe(seq);
      expect(result.payload.length).toBe(160);
      expect(result.payload.every((byte) => byte === seq)).toBe(true);
    }
  });

  it('grows its slots for larger payloads (slin16) without losing what is buffered', () => {
    const buffer = newBuffer({ targetDelayFrames: 3 });
    const packet = (seq: number, bytes: number): JitterBufferPacket => ({
      sequenceNumber: seq,
      timestamp: seq * SAMPLES_PER_FRAME,
      ssrc: SSRC_A,
      payload: new Uint8Array(bytes).fill(seq),
    });
    buffer.push(packet(1, 160), 0);
    buffer.push(packet(2, 640), 20);
    buffer.push(packet(3, 320), 40);
    // pop() reuses its result object: read each one before the next pop().
    const played = [1, 2, 3].map(() => {
      const result = buffer.pop();
      return result.kind === 'audio' ? [result.sequenceNumber, result.payload.length, result.payload[0]] : result.kind;
    });
    expect(played).toEqual([
      [1, 160, 1],
      [2, 640, 2],
      [3, 320, 3],
    ]);
  });
});
