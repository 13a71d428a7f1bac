import { describe, expect, it } from 'vitest';
import { decodeSamples, encodeSamples, rms } from './audio-codec.js';
import { linearToUlaw } from '../shared/g711.js';

describe('Deepgram fake: raw audio encodings', () => {
  it('round-trips linear16 samples at the extremes', () => {
    expect(Array.from(decodeSamples('linear16', encodeSamples('linear16', Int16Array.from([-32768, -1, 0, 1, 32767]))))).toEqual([-32768, -1, 0, 1, 32767]);
  });

  it('decodes G.711 through the shared tables and encodes back to the same bytes', () => {
    const ulaw = Uint8Array.from([0x00, 0x7e, 0x80, 0xfe, 0xff]);
    const samples = decodeSamples('mulaw', ulaw);
    expect(Array.from(samples).map((sample) => linearToUlaw(sample))).toEqual(Array.from(ulaw));
    expect([...encodeSamples('mulaw', samples)]).toEqual([...ulaw]);
    const alaw = Uint8Array.from([0x00, 0x55, 0xd5, 0x2a]);
    expect([...encodeSamples('alaw', decodeSamples('alaw', alaw))]).toEqual([...alaw]);
  });

  it('decodes whole linear16 samples only (an odd trailing byte is left to the caller)', () => {
    expect(decodeSamples('linear16', Uint8Array.from([0x01, 0x00, 0xff]))).toEqual(Int16Array.from([1]));
  });

  it('measures the RMS of a range, and 0 for an empty one', () => {
    const samples = Int16Array.from([3, -4, 100, 100]);
    expect(rms(samples, 0, 2)).toBeCloseTo(Math.sqrt(12.5), 10);
    expect(rms(samples, 2)).toBe(100);
    expect(rms(samples, 2, 2)).toBe(0);
  });
});
