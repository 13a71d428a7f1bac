import { describe, expect, it } from 'vitest';
import { CONCEALED_FRAMES_MAX, conceal } from '../../../media/audio/concealment.js';

const FRAME = 160;

/**
 * A 20 ms, 8 kHz frame of a 210 Hz tone (4.2 cycles): its end is far from its start (0.69 of
 * the amplitude) compared with its largest step between samples (0.165), so a plain repeat clicks.
 */
function toneFrame(amplitude = 12000): Int16Array {
  return Int16Array.from({ length: FRAME }, (_, n) => Math.round(amplitude * Math.sin((2 * Math.PI * 210 * n) / 8000 + 0.3)));
}

function energyDb(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return 10 * Math.log10(sum / samples.length);
}

/** Largest step between neighbouring samples of the signal itself. */
function largestStep(samples: Int16Array): number {
  let largest = 0;
  for (let i = 1; i < samples.length; i++) largest = Math.max(largest, Math.abs(samples[i]! - samples[i - 1]!));
  return largest;
}

function concealRun(last: Int16Array, frames: number): Int16Array[] {
  return Array.from({ length: frames }, (_, k) => {
    const out = new Int16Array(last.length);
    conceal(last, k + 1, out);
    return out;
  });
}

describe('conceal', () => {
  it('repeats the last frame with a gain ramping down 6 dB per frame, to 0 at the end of the last one', () => {
    // A constant frame has no join step, so the output is the gain curve itself.
    const constant = new Int16Array(FRAME).fill(1000);
    const frames = concealRun(constant, CONCEALED_FRAMES_MAX);
    const gainRanges = [
      [1, 0.5],
      [0.5, 0.25],
      [0.25, 0],
    ] as const;
    for (const [k, [startGain, endGain]] of gainRanges.entries()) {
      for (let i = 0; i < FRAME; i++) {
        const expected = 1000 * (startGain + ((endGain - startGain) * i) / FRAME);
        expect(Math.abs(frames[k]![i]! - expected), `frame ${k + 1} sample ${i}`).toBeLessThanOrEqual(0.5 + 1e-9);
      }
    }
  });

  it('loses energy with every consecutive lost frame', () => {
    const last = toneFrame();
    const frames = concealRun(last, CONCEALED_FRAMES_MAX);
    // Each frame's gain is half the previous frame's at every sample (-6 dB), and the first
    // frame's ramps from 1 to 0.5 (-2.3 dB for a signal spread evenly over the frame).
    const minimumDropsDb = [1, 5.5, 5.5];
    let previousDb = energyDb(last);
    for (const [k, frame] of frames.entries()) {
      const levelDb = energyDb(frame);
      expect(Number.isFinite(levelDb), `frame ${k + 1}`).toBe(true);
      expect(levelDb, `frame ${k + 1}`).toBeLessThan(previousDb - minimumDropsDb[k]!);
      previousDb = levelDb;
    }
  });

  it('joins the previous frame and its own frames without a click, and fades to zero before muting', () => {
    const last = toneFrame();
    const frames = concealRun(last, CONCEALED_FRAMES_MAX);
    const natural = largestStep(last);
    let previous = last;
    for (const [k, frame] of frames.entries()) {
      const gain = 0.5 ** k;
      expect(Math.abs(frame[0]! - previous[FRAME - 1]!), `join into frame ${k + 1}`).toBeLessThanOrEqual(gain * natural);
      // The crossfade adds a gentle slope (the join step spread over 2.5 ms), never a jump.
      expect(largestStep(frame), `inside frame ${k + 1}`).toBeLessThanOrEqual(1.5 * gain * natural);
      previous = frame;
    }
    expect(Math.abs(previous[FRAME - 1]!)).toBeLessThan(natural / 50);
  });

  it('is silent after the limit, overwriting whatever the output held', () => {
    const last = toneFrame();
    for (const consecutiveLost of [CONCEALED_FRAMES_MAX + 1, CONCEALED_FRAMES_MAX + 2, 1000]) {
      const out = new Int16Array(FRAME).fill(-1234);
      conceal(last, consecutiveLost, out);
      expect(out.every((s) => s === 0)).toBe(true);
    }
    expect(CONCEALED_FRAMES_MAX * 20).toBe(60);
  });

  it('is silent when no frame was ever received', () => {
    const out = new Int16Array(FRAME).fill(55);
    conceal(null, 1, out);
    expect(out.every((s) => s === 0)).toBe(true);
  });

  it('stays within int16 on full-scale input without wrapping', () => {
    const harsh = Int16Array.from({ length: FRAME }, (_, n) => (n === 0 ? -32768 : n === FRAME - 1 ? 32767 : n % 2 ? 32767 : -32768));
    const out = new Int16Array(FRAME);
    conceal(harsh, 1, out);
    // The join starts from +32767: the first sample is -32768 plus 20/21 of the step, and the
    // next ones overshoot full scale and must saturate, not wrap negative.
    expect(out[0]).toBe(29646);
    expect(out[1]).toBe(32767);
    expect(Math.max(...out)).toBeLessThanOrEqual(32767);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(-32768);
  });

  it('rejects a count below 1 and frames of different lengths', () => {
    const last = toneFrame();
    expect(() => conceal(last, 0, new Int16Array(FRAME))).toThrow(RangeError);
    expect(() => conceal(last, 1.5, new Int16Array(FRAME))).toThrow(RangeError);
    expect(() => conceal(last, 1, new Int16Array(FRAME * 2))).toThrow(RangeError);
  });
});
