import { describe, expect, it } from 'vitest';
import { Resampler } from '../../../media/audio/resampler.js';
import { PCM_FRAME_SAMPLES, PcmFramer } from '../../../media/providers/pcm-framer.js';

/** PCM16 little-endian bytes of a 440 Hz tone at 24 kHz. */
function toneBytes24k(samples: number): Uint8Array {
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i += 1) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000));
  return new Uint8Array(pcm.buffer);
}

function concatInt16(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.length * PCM_FRAME_SAMPLES);
  frames.forEach((frame, i) => out.set(frame, i * PCM_FRAME_SAMPLES));
  return out;
}

describe('PcmFramer', () => {
  it('gives exactly N/3 samples of 8 kHz audio for N samples at 24 kHz, however the bytes are split', () => {
    const source = toneBytes24k(24_000 + 123);
    const whole = new PcmFramer(24000);
    const wholeFrames = [...whole.push(source), ...whole.finish()];
    const split = new PcmFramer(24000);
    const splitFrames: Int16Array[] = [];
    for (let offset = 0; offset < source.length; offset += 777) splitFrames.push(...split.push(source.subarray(offset, offset + 777))); // odd: samples split
    splitFrames.push(...split.finish());
    expect(concatInt16(splitFrames)).toEqual(concatInt16(wholeFrames));
    const expected = Math.floor((24_000 + 123) / 3);
    expect(wholeFrames).toHaveLength(Math.ceil(expected / PCM_FRAME_SAMPLES));
    expect(wholeFrames.every((frame) => frame.length === PCM_FRAME_SAMPLES)).toBe(true);
    expect(concatInt16(wholeFrames).subarray(expected).every((sample) => sample === 0)).toBe(true);
  });

  it('compensates the resampler delay: the output lines up with the input', () => {
    const source = toneBytes24k(2400);
    const framer = new PcmFramer(24000);
    const output = concatInt16([...framer.push(source), ...framer.finish()]);
    const delay = new Resampler(24000, 8000).delaySamples;
    expect(delay).toBeGreaterThan(0);
    // Sample n at 8 kHz is source sample 3n at 24 kHz (mid-signal, away from the edges).
    for (const n of [200, 400, 600]) expect(Math.abs(output[n]! - Math.round(8000 * Math.sin((2 * Math.PI * 440 * 3 * n) / 24000)))).toBeLessThan(200);
  });

  it('passes 8 kHz through, frames it, and starts afresh after finish()', () => {
    const framer = new PcmFramer(8000);
    const pcm = Int16Array.from({ length: 200 }, (_, i) => i - 100);
    const frames = [...framer.push(new Uint8Array(pcm.buffer)), ...framer.finish()];
    expect(concatInt16(frames).subarray(0, 200)).toEqual(pcm);
    expect(framer.finish()).toEqual([]);
  });
});
