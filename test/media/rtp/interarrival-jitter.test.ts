import { describe, expect, it } from 'vitest';
import { InterarrivalJitter } from '../../../media/rtp/interarrival-jitter.js';
import { tsAdd } from '../../../media/rtp/sequence.js';

describe('InterarrivalJitter (RFC 3550 A.8)', () => {
  it('is zero for packets spaced exactly as their timestamps', () => {
    const jitter = new InterarrivalJitter(8000);
    for (let i = 0; i < 100; i += 1) jitter.update(1000 + i * 160, 5000 + i * 20);
    expect(jitter.jitterMs).toBe(0);
    expect(jitter.jitterUnits).toBe(0);
  });

  it('is zero when arrivals keep a constant offset from the timestamps', () => {
    // Transit time constant (here 37.25 ms) means no jitter whatever its value.
    const jitter = new InterarrivalJitter(16000);
    for (let i = 0; i < 50; i += 1) jitter.update(i * 320, 37.25 + i * 20);
    expect(jitter.jitterMs).toBe(0);
  });

  it('matches a hand computation', () => {
    // 8 kHz: 1 ms = 8 units. Arrivals 0, 20, 45, 60 ms for timestamps 0, 160, 320, 480.
    //   D1 = 160 - 160 = 0              J = 0
    //   D2 = 200 - 160 = 40             J = 0 + (40 - 0) / 16 = 2.5
    //   D3 = 120 - 160 = -40, |D| = 40  J = 2.5 + (40 - 2.5) / 16 = 4.84375 units
    const jitter = new InterarrivalJitter(8000);
    jitter.update(0, 0);
    jitter.update(160, 20);
    expect(jitter.jitterUnits).toBe(0);
    jitter.update(320, 45);
    expect(jitter.jitterUnits).toBe(2.5);
    jitter.update(480, 60);
    expect(jitter.jitterUnits).toBe(4.84375);
    expect(jitter.jitterMs).toBeCloseTo(4.84375 / 8, 12);
  });

  it('does not explode when the timestamp wraps past 2^32 - 1', () => {
    const jitter = new InterarrivalJitter(8000);
    let ts = 0xffff_ffff - 3 * 160 + 1;
    for (let i = 0; i < 10; i += 1) {
      jitter.update(ts, 100 + i * 20);
      ts = tsAdd(ts, 160);
    }
    expect(jitter.jitterMs).toBe(0);

    // The same hand-computed pattern straddling the wrap gives the same value.
    const across = new InterarrivalJitter(8000);
    const start = 0xffff_ffff - 200;
    across.update(start, 0);
    across.update(tsAdd(start, 160), 20);
    across.update(tsAdd(start, 320), 45);
    across.update(tsAdd(start, 480), 60);
    expect(across.jitterUnits).toBe(4.84375);
  });

  it('starts again from zero after reset()', () => {
    const jitter = new InterarrivalJitter(8000);
    jitter.update(0, 0);
    jitter.update(160, 40);
    expect(jitter.jitterMs).toBeGreaterThan(0);
    jitter.reset();
    expect(jitter.jitterMs).toBe(0);
    // The first packet after reset has no predecessor, so a wildly different timestamp adds nothing.
    jitter.update(9_999_999, 1_000_000);
    jitter.update(9_999_999 + 160, 1_000_020);
    expect(jitter.jitterMs).toBe(0);
  });

  it('rejects a clock rate that is not positive', () => {
    expect(() => new InterarrivalJitter(0)).toThrow(RangeError);
    expect(() => new InterarrivalJitter(Number.NaN)).toThrow(RangeError);
  });
});
