// Polyphase resampler: frequency response (passband, stopband, images),
// linear-phase group delay, exact streaming across 20 ms frames, saturation.
import { describe, expect, it } from 'vitest';
import { FRAMES_PER_SECOND, samplesPerFrame, type SampleRate } from '../../../media/audio/frame.js';
import { Resampler, resampleRecording } from '../../../media/audio/resampler.js';

const RATES: readonly SampleRate[] = [8000, 16000, 24000];
const DIRECTIONS: ReadonlyArray<readonly [SampleRate, SampleRate]> = RATES.flatMap((from) =>
  RATES.filter((to) => to !== from).map((to) => [from, to] as const),
);
const AMPLITUDE = 10000;

function tone(rateHz: number, frequencyHz: number, length: number, amplitude = AMPLITUDE): Int16Array {
  return Int16Array.from({ length }, (_, n) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / rateHz)));
}

/** Feeds `input` in 20 ms frames and concatenates the output. */
function resampleInFrames(resampler: Resampler, input: Int16Array): Int16Array {
  const frameLength = resampler.fromRate / FRAMES_PER_SECOND;
  const output = new Int16Array((input.length * resampler.upFactor) / resampler.downFactor);
  let written = 0;
  for (let offset = 0; offset < input.length; offset += frameLength) {
    const frame = resampler.process(input.subarray(offset, offset + frameLength));
    output.set(frame, written);
    written += frame.length;
  }
  expect(written).toBe(output.length);
  return output;
}

/** Single-bin DFT: amplitude and phase of `frequencyHz` over a window holding whole cycles. */
function singleBin(samples: Int16Array, rateHz: number, frequencyHz: number): { amplitude: number; phase: number } {
  let re = 0;
  let im = 0;
  for (let n = 0; n < samples.length; n++) {
    const angle = (2 * Math.PI * frequencyHz * n) / rateHz;
    re += samples[n]! * Math.cos(angle);
    im -= samples[n]! * Math.sin(angle);
  }
  return { amplitude: (2 * Math.hypot(re, im)) / samples.length, phase: Math.atan2(im, re) };
}

function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

const dB = (ratio: number): number => 20 * Math.log10(ratio);

/** Output after the filter has filled (skips 50 ms), 500 ms long: whole cycles of any even frequency. */
function steadyState(output: Int16Array, toRate: number): Int16Array {
  const start = toRate / 20;
  return output.subarray(start, start + toRate / 2);
}

describe.each(DIRECTIONS)('%i Hz -> %i Hz', (fromRate, toRate) => {
  it('turns each 20 ms frame into exactly one 20 ms frame', () => {
    const resampler = new Resampler(fromRate, toRate);
    const frame = tone(fromRate, 1000, samplesPerFrame(fromRate));
    for (let i = 0; i < 100; i++) {
      expect(resampler.outputLength(frame.length)).toBe(samplesPerFrame(toRate));
      expect(resampler.process(frame).length).toBe(samplesPerFrame(toRate));
    }
  });

  it('passes 1 kHz within 0.5 dB at the same frequency, with nothing else added', () => {
    const output = steadyState(resampleInFrames(new Resampler(fromRate, toRate), tone(fromRate, 1000, fromRate)), toRate);
    const { amplitude } = singleBin(output, toRate, 1000);
    expect(Math.abs(dB(amplitude / AMPLITUDE))).toBeLessThan(0.5);
    // The 1 kHz bin holds the whole signal: a shifted frequency would leave it nearly empty.
    expect(Math.abs(dB(rms(output) / (amplitude / Math.SQRT2)))).toBeLessThan(0.01);
  });

  it('delays every passband frequency by delaySamples output samples', () => {
    const resampler = new Resampler(fromRate, toRate);
    expect(Number.isInteger(resampler.delaySamples)).toBe(true);
    for (const frequencyHz of [300, 1000, 3000]) {
      const output = resampleInFrames(new Resampler(fromRate, toRate), tone(fromRate, frequencyHz, fromRate / 2));
      let worst = 0;
      for (let m = toRate / 20; m < output.length; m++) {
        const ideal = AMPLITUDE * Math.sin((2 * Math.PI * frequencyHz * (m - resampler.delaySamples)) / toRate);
        worst = Math.max(worst, Math.abs(output[m]! - ideal));
      }
      // One sample of delay error would be off by thousands at these frequencies.
      expect(worst, `${frequencyHz} Hz`).toBeLessThan(0.003 * AMPLITUDE);
    }
  });

  it('turns an impulse into a symmetric response peaking delaySamples after it', () => {
    const resampler = new Resampler(fromRate, toRate);
    const impulseAt = 600; // a multiple of every decimation factor
    const input = new Int16Array(fromRate / 10);
    input[impulseAt] = 16000;
    const output = resampler.process(input);
    const peak = (impulseAt * resampler.upFactor) / resampler.downFactor + resampler.delaySamples;
    let argMax = 0;
    for (let m = 1; m < output.length; m++) if (output[m]! > output[argMax]!) argMax = m;
    expect(argMax).toBe(peak);
    for (let k = 1; k < 3 * resampler.delaySamples; k++) {
      expect(Math.abs(output[peak - k]! - output[peak + k]!), `offset ${k}`).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same samples whether fed at once, in 20 ms frames or in uneven chunks', () => {
    let seed = 12345;
    const noise = Int16Array.from({ length: fromRate }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) - 32768;
    });
    const whole = new Resampler(fromRate, toRate).process(noise);
    expect(whole.length).toBe(toRate);
    expect(Array.from(resampleInFrames(new Resampler(fromRate, toRate), noise))).toEqual(Array.from(whole));

    const chunked = new Resampler(fromRate, toRate);
    const pieces: number[] = [];
    const chunkLengths = [1, 0, 2, 3, 5, 7, 11, 13, 97, 160, 479];
    for (let offset = 0, i = 0; offset < noise.length; i++) {
      const length = Math.min(chunkLengths[i % chunkLengths.length]!, noise.length - offset);
      const expectedLength = chunked.outputLength(length);
      const piece = chunked.process(noise.subarray(offset, offset + length));
      expect(piece.length).toBe(expectedLength);
      pieces.push(...piece);
      offset += length;
    }
    expect(pieces).toEqual(Array.from(whole));
  });

  it('saturates instead of wrapping when the filter overshoots full scale', () => {
    // A full-scale 200 Hz square wave: the band-limited edges ring above full scale.
    const square = Int16Array.from({ length: fromRate / 5 }, (_, n) => (Math.floor((n * 400) / fromRate) % 2 === 0 ? 32767 : -32768));
    const output = resampleInFrames(new Resampler(fromRate, toRate), square);
    expect(Math.max(...output)).toBe(32767);
    expect(Math.min(...output)).toBe(-32768);
    // Mid-plateau samples keep their sign (wrapping would flip overshooting samples).
    const halfPeriod = toRate / 400;
    for (let m = 2 * halfPeriod; m + halfPeriod < output.length; m += halfPeriod) {
      const middle = m + Math.floor(halfPeriod / 2);
      const positive = Math.floor((middle - new Resampler(fromRate, toRate).delaySamples) / halfPeriod) % 2 === 0;
      expect(output[middle]! > 0, `sample ${middle}`).toBe(positive);
    }
  });
});

describe('stopband', () => {
  const downward = DIRECTIONS.filter(([from, to]) => to < from);

  it.each(downward)('%i Hz -> %i Hz removes every tone from the output Nyquist frequency up, by at least 60 dB', (fromRate, toRate) => {
    for (let frequencyHz = toRate / 2 + 50; frequencyHz < fromRate / 2; frequencyHz += 250) {
      const input = tone(fromRate, frequencyHz, fromRate);
      const output = steadyState(resampleInFrames(new Resampler(fromRate, toRate), input), toRate);
      expect(dB(rms(output) / rms(input)), `${frequencyHz} Hz`).toBeLessThan(-60);
    }
  });

  it('attenuates 5 kHz and 7 kHz at 16 -> 8 kHz and 10 kHz at 24 -> 16 kHz by at least 60 dB', () => {
    for (const [fromRate, toRate, frequencyHz] of [
      [16000, 8000, 5000],
      [16000, 8000, 7000],
      [24000, 8000, 7000],
      [24000, 16000, 10000],
    ] as const) {
      const input = tone(fromRate, frequencyHz, fromRate);
      const output = steadyState(resampleInFrames(new Resampler(fromRate, toRate), input), toRate);
      expect(dB(rms(output) / rms(input)), `${fromRate} -> ${toRate}, ${frequencyHz} Hz`).toBeLessThan(-60);
    }
  });

  it.each(DIRECTIONS.filter(([from, to]) => to > from))(
    '%i Hz -> %i Hz leaves no image: what is not the input tone is at least 60 dB down',
    (fromRate, toRate) => {
      // Highest passband tone: its images sit just above the input Nyquist frequency.
      const frequencyHz = fromRate === 8000 ? 3000 : 6000;
      const output = steadyState(resampleInFrames(new Resampler(fromRate, toRate), tone(fromRate, frequencyHz, fromRate)), toRate);
      const { amplitude, phase } = singleBin(output, toRate, frequencyHz);
      const residual = Float64Array.from(
        output,
        (sample, n) => sample - amplitude * Math.cos((2 * Math.PI * frequencyHz * n) / toRate + phase),
      );
      expect(dB(rms(residual) / (amplitude / Math.SQRT2))).toBeLessThan(-60);
    },
  );
});

describe('Resampler instances', () => {
  it('share the coefficient table of their ratio', () => {
    const a = new Resampler(8000, 16000);
    const b = new Resampler(8000, 16000);
    expect(a.coefficients).toBe(b.coefficients);
    expect(new Resampler(16000, 8000).coefficients).not.toBe(a.coefficients);
    expect(a.upFactor / a.downFactor).toBe(2);
    expect(new Resampler(24000, 16000).upFactor).toBe(2);
    expect(new Resampler(24000, 16000).downFactor).toBe(3);
  });

  it('reset() makes an instance behave like a new one', () => {
    const input = tone(24000, 1234, 480);
    const used = new Resampler(24000, 8000);
    used.process(tone(24000, 777, 1000));
    used.reset();
    expect(Array.from(used.process(input))).toEqual(Array.from(new Resampler(24000, 8000).process(input)));
  });

  it('processInto writes into a caller buffer and rejects one that is too small', () => {
    const resampler = new Resampler(8000, 24000);
    const frame = tone(8000, 1000, 160);
    const output = new Int16Array(600).fill(7);
    expect(resampler.processInto(frame, output)).toBe(480);
    expect(output[480]).toBe(7);
    expect(() => resampler.processInto(frame, new Int16Array(479))).toThrow(RangeError);
  });

  it('refuses a conversion to the same rate', () => {
    expect(() => new Resampler(8000, 8000)).toThrow(RangeError);
  });

  it('refuses rates that are not positive integers, and ratios finer than it can tabulate', () => {
    expect(() => new Resampler(0, 8000)).toThrow(/positive integer/);
    expect(() => new Resampler(22050.5, 8000)).toThrow(/positive integer/);
    expect(() => new Resampler(8000, 7999)).toThrow(/too fine/);
  });
});

describe('resampleRecording (any pair of rates, offline)', () => {
  it('brings 22.05 kHz to 8 kHz: the voice band kept, what 8 kHz cannot carry removed', () => {
    const kept = resampleRecording(tone(22050, 1000, 11025, 8000), 22050, 8000);
    expect(kept.length).toBe(4000);
    const inner = (samples: Int16Array) => rms(samples.subarray(1000, 3000));
    expect(inner(kept)).toBeGreaterThan((8000 / Math.SQRT2) * 0.97);
    expect(inner(kept)).toBeLessThan((8000 / Math.SQRT2) * 1.03);
    // 6 kHz would alias to 2 kHz at 8 kHz: at least 40 dB down.
    const removed = resampleRecording(tone(22050, 6000, 11025, 8000), 22050, 8000);
    expect(inner(removed)).toBeLessThan((8000 / Math.SQRT2) * 0.01);
  });

  it('is time-aligned with its input, to the last sample', () => {
    // A 1 kHz tone burst from 100 ms to 200 ms of a 300 ms recording.
    const input = new Int16Array(22050 * 0.3);
    input.set(tone(22050, 1000, 2205), 2205);
    const output = resampleRecording(input, 22050, 8000);
    expect(output.length).toBe(2400);
    const energy = (from: number, to: number) => rms(output.subarray(from, to));
    expect(energy(810, 1590)).toBeGreaterThan(5000);
    expect(energy(0, 780)).toBeLessThan(100);
    expect(energy(1620, 2400)).toBeLessThan(100);
  });

  it('copies the input when the rates are equal', () => {
    const input = tone(8000, 1000, 160);
    const output = resampleRecording(input, 8000, 8000);
    expect(Array.from(output)).toEqual(Array.from(input));
    expect(output).not.toBe(input);
  });
});
