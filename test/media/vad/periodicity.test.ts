import { describe, expect, it } from 'vitest';
import { Periodicity } from '../../../media/vad/periodicity.js';
import { callerSpeech, frames, toPcm16, whiteNoise } from '../../support/conversation-signals.js';

/** Scores of every frame of `signal`, for the frames louder than -40 dBFS. */
function scores(signal: Int16Array): number[] {
  const periodicity = new Periodicity();
  const out: number[] = [];
  for (const { frame } of frames(signal)) {
    periodicity.push(frame);
    let energy = 0;
    for (const s of frame) energy += s * s;
    if (10 * Math.log10(energy / frame.length / 32768 ** 2) > -40) out.push(periodicity.score());
  }
  return out;
}

describe('Periodicity', () => {
  it('scores a voice-like tone (a 120 Hz pitch with harmonics) near 1', () => {
    const tone = Float64Array.from({ length: 8000 }, (_, i) => {
      const t = (2 * Math.PI * 120 * i) / 8000;
      return 6000 * Math.sin(t) + 3000 * Math.sin(2 * t) + 1500 * Math.sin(3 * t);
    });
    const all = scores(toPcm16(tone));
    expect(all.length).toBe(50);
    expect(Math.min(...all.slice(1))).toBeGreaterThan(0.9);
  });

  it('keeps white and brown noise below 0.45 (a cough and a thump have no pitch)', () => {
    const white = whiteNoise(16_000, -20, 4);
    const brown = whiteNoise(16_000, -30, 5);
    for (let i = 1; i < brown.length; i++) brown[i] = 0.98 * brown[i - 1]! + brown[i]!;
    expect(Math.max(...scores(toPcm16(white)))).toBeLessThan(0.45);
    expect(Math.max(...scores(toPcm16(brown)))).toBeLessThan(0.45);
  });

  it('finds most of the recorded caller speech voiced', () => {
    const all = scores(callerSpeech());
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((score) => score >= 0.5).length / all.length).toBeGreaterThan(0.5);
  });

  it('scores digital silence 0 and refuses a frame of another size', () => {
    const periodicity = new Periodicity();
    periodicity.push(new Int16Array(160));
    expect(periodicity.score()).toBe(0);
    expect(() => periodicity.push(new Int16Array(80))).toThrow(RangeError);
  });
});
