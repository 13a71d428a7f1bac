// The adaptive prime depth of the jitter buffer: one frame on a clean link,
// growing a frame at each underrun (a packet after its tick) up to the target,
// never below what the RFC 3550 jitter calls for, and stepping back down after
// a long clean run. Pure: packets and ticks are driven by hand.
import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterBufferPacket } from '../../../media/rtp/jitter-buffer.js';

const SSRC = 0x1cd615e2;
const packet = (n: number): JitterBufferPacket => ({ sequenceNumber: (1000 + n) & 0xffff, timestamp: n * 160, ssrc: SSRC, payload: new Uint8Array(160) });
const adaptive = () => new JitterBuffer({ samplesPerFrame: 160, minDelayFrames: 1, targetDelayFrames: 4, maxDelayFrames: 10 });

/** One tick: packet n arrives `lateMs` after its nominal time (n * 20), then the tick pops. */
function tick(buffer: JitterBuffer, n: number, lateMs: number, arrives = true): string {
  if (arrives) buffer.push(packet(n), n * 20 + lateMs);
  return buffer.pop().kind;
}

describe('JitterBuffer: adaptive depth', () => {
  it('plays a clean link with one frame of delay: each packet is played on the tick it arrived', () => {
    const buffer = adaptive();
    const kinds = Array.from({ length: 200 }, (_, n) => tick(buffer, n, n % 3));
    expect(kinds.every((kind) => kind === 'audio')).toBe(true);
    expect(buffer.primeFrames).toBe(1);
    expect(buffer.stats()).toMatchObject({ underruns: 0, depthFrames: 0 });
  });

  it('grows a frame at each underrun, up to the target, and keeps playing every packet in order', () => {
    const buffer = adaptive();
    for (let n = 0; n < 10; n += 1) tick(buffer, n, 0);
    // Packet 10 arrives after its tick: the tick underruns, the next prime is 2 frames.
    expect(tick(buffer, 10, 0, false)).toBe('empty');
    expect(buffer.primeFrames).toBe(2);
    buffer.push(packet(10), 10 * 20 + 25);
    expect(tick(buffer, 11, 0)).toBe('audio');
    expect(buffer.stats().underruns).toBe(1);
    // Three more late arrivals in a row would grow it past the target: it stops there.
    for (let i = 0; i < 6; i += 1) {
      while (buffer.pop().kind === 'audio');
      buffer.push(packet(12 + i), (12 + i) * 20);
    }
    expect(buffer.primeFrames).toBe(4);
    expect(buffer.stats()).toMatchObject({ lost: 0, late: 0 });
  });

  it('never primes below what the RFC 3550 jitter calls for', () => {
    const buffer = adaptive();
    // Arrivals alternating 0 and 30 ms late: J settles near 30 ms, 3 J is about 4.5 frames.
    for (let n = 0; n < 300; n += 1) {
      buffer.push(packet(n), n * 20 + (n % 2) * 30);
      buffer.pop();
    }
    expect(buffer.jitterMs).toBeGreaterThan(20);
    expect(buffer.primeFrames).toBe(4);
  });

  it('steps back down a frame after 10 s without an underrun', () => {
    const buffer = adaptive();
    tick(buffer, 0, 0);
    expect(tick(buffer, 1, 0, false)).toBe('empty');
    buffer.push(packet(1), 45);
    expect(buffer.primeFrames).toBe(2);
    for (let n = 2; n < 600; n += 1) tick(buffer, n, 0);
    expect(buffer.stats().underruns).toBe(1);
    expect(buffer.primeFrames).toBe(1);
  });

  it('a fixed depth (min = target) does not adapt', () => {
    const buffer = new JitterBuffer({ samplesPerFrame: 160, targetDelayFrames: 3 });
    expect(buffer.minDelayFrames).toBe(3);
    for (let n = 0; n < 5; n += 1) tick(buffer, n, 0);
    tick(buffer, 5, 0, false);
    expect(buffer.primeFrames).toBe(3);
    expect(() => new JitterBuffer({ samplesPerFrame: 160, minDelayFrames: 4, targetDelayFrames: 3 })).toThrow(/minDelayFrames/);
  });
});
