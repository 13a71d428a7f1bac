import { describe, expect, it } from 'vitest';
import { FRAME_MS, FRAMES_PER_SECOND, SAMPLE_RATES, SAMPLES_PER_FRAME_8K, isSampleRate, rmsDbfs, samplesPerFrame } from '../../../media/audio/frame.js';

describe('audio frame', () => {
  it('is 20 ms: 160, 320 and 480 samples at 8, 16 and 24 kHz', () => {
    expect(FRAME_MS).toBe(20);
    expect(SAMPLE_RATES.map(samplesPerFrame)).toEqual([160, 320, 480]);
    expect(FRAMES_PER_SECOND).toBe(50);
    expect(SAMPLES_PER_FRAME_8K).toBe(160);
  });

  it('recognises the supported rates only', () => {
    expect(SAMPLE_RATES.every(isSampleRate)).toBe(true);
    expect(isSampleRate(48000)).toBe(false);
    expect(isSampleRate(8001)).toBe(false);
  });
});

describe('rmsDbfs', () => {
  it('is 0 for a full-scale square wave and about -3.01 - 6.02 for a half-scale sine', () => {
    const square = Int16Array.from({ length: 160 }, (_, i) => (i % 2 === 0 ? -32768 : 32767));
    expect(rmsDbfs(square)).toBeCloseTo(0, 3);
    const sine = Int16Array.from({ length: 8000 }, (_, i) => Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    expect(rmsDbfs(sine)).toBeCloseTo(-9.03, 2);
  });

  it('is -Infinity for silence and for an empty buffer', () => {
    expect(rmsDbfs(new Int16Array(160))).toBe(-Infinity);
    expect(rmsDbfs(new Int16Array(0))).toBe(-Infinity);
  });
});
