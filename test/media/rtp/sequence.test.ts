import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqNewer, tsAdd, tsDiff, tsNewer } from '../../../media/rtp/sequence.js';

const MAX_TS = 0xffff_ffff;

describe('16-bit sequence numbers', () => {
  it('measures the signed distance a - b', () => {
    expect(seqDiff(10, 3)).toBe(7);
    expect(seqDiff(3, 10)).toBe(-7);
    expect(seqDiff(500, 500)).toBe(0);
  });

  it('takes the short way round across 65535 -> 0', () => {
    expect(seqDiff(0, 65535)).toBe(1);
    expect(seqDiff(65535, 0)).toBe(-1);
    expect(seqDiff(4, 65530)).toBe(10);
    expect(seqDiff(65530, 4)).toBe(-10);
  });

  it('stays within [-32768, 32767], half the space away counting as behind', () => {
    expect(seqDiff(32767, 0)).toBe(32767);
    expect(seqDiff(32768, 0)).toBe(-32768);
    expect(seqDiff(0, 32768)).toBe(-32768);
    expect(seqDiff(0, 32767)).toBe(-32767);
    for (const [a, b] of [[0, 1], [65535, 1], [12345, 54321], [40000, 7]] as const) {
      const d = seqDiff(a, b);
      expect(d).toBeGreaterThanOrEqual(-32768);
      expect(d).toBeLessThanOrEqual(32767);
      expect(seqAdd(b, d)).toBe(a);
    }
  });

  it('tells which of two sequence numbers is newer across the wrap', () => {
    expect(seqNewer(0, 65535)).toBe(true);
    expect(seqNewer(65535, 0)).toBe(false);
    expect(seqNewer(100, 99)).toBe(true);
    expect(seqNewer(7, 7)).toBe(false);
  });

  it('adds modulo 2^16 in both directions', () => {
    expect(seqAdd(65535, 1)).toBe(0);
    expect(seqAdd(65530, 10)).toBe(4);
    expect(seqAdd(0, -1)).toBe(65535);
    expect(seqAdd(3, -10)).toBe(65529);
    expect(seqAdd(100, 65536)).toBe(100);
  });
});

describe('32-bit timestamps', () => {
  it('measures the signed distance across 2^32 - 1 -> 0', () => {
    expect(tsDiff(0, MAX_TS)).toBe(1);
    expect(tsDiff(MAX_TS, 0)).toBe(-1);
    expect(tsDiff(80, MAX_TS - 79)).toBe(160);
    expect(tsDiff(MAX_TS - 79, 80)).toBe(-160);
    expect(tsDiff(1_000_000, 1_000_160)).toBe(-160);
  });

  it('stays within [-2^31, 2^31 - 1]', () => {
    expect(tsDiff(0x7fff_ffff, 0)).toBe(0x7fff_ffff);
    expect(tsDiff(0x8000_0000, 0)).toBe(-0x8000_0000);
    expect(tsDiff(0, 0x8000_0000)).toBe(-0x8000_0000);
  });

  it('tells which of two timestamps is newer across the wrap', () => {
    expect(tsNewer(0, MAX_TS)).toBe(true);
    expect(tsNewer(MAX_TS, 0)).toBe(false);
    expect(tsNewer(160, 0)).toBe(true);
  });

  it('adds modulo 2^32 and returns an unsigned value', () => {
    expect(tsAdd(MAX_TS, 1)).toBe(0);
    expect(tsAdd(MAX_TS - 79, 160)).toBe(80);
    expect(tsAdd(0, -160)).toBe(MAX_TS - 159);
    expect(tsAdd(0x8000_0000, 0)).toBe(0x8000_0000);
    expect(tsAdd(123, 0x1_0000_0000)).toBe(123);
    let ts = MAX_TS - 320;
    for (let i = 0; i < 5; i += 1) ts = tsAdd(ts, 160);
    expect(ts).toBe(479);
    expect(tsDiff(ts, MAX_TS - 320)).toBe(800);
  });
});
