// Raw audio encodings the Deepgram fake reads (caller audio) and writes (synthetic speech):
// G.711 mu-law and A-law and PCM16 little-endian (Deepgram's `linear16`). Pure functions, no I/O.

import { ALAW_TO_LINEAR, linearToAlaw, linearToUlaw, ULAW_TO_LINEAR } from '../shared/g711.js';

export type RawEncoding = 'linear16' | 'mulaw' | 'alaw';

export function bytesPerSample(encoding: RawEncoding): number {
  return encoding === 'linear16' ? 2 : 1;
}

/** Decodes whole samples; for linear16 an odd trailing byte must be carried by the caller. */
export function decodeSamples(encoding: RawEncoding, bytes: Uint8Array): Int16Array {
  if (encoding === 'linear16') {
    const count = bytes.length >> 1;
    const samples = new Int16Array(count);
    for (let i = 0; i < count; i += 1) {
      const value = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
      samples[i] = value > 0x7fff ? value - 0x10000 : value;
    }
    return samples;
  }
  const table = encoding === 'mulaw' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  const samples = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) samples[i] = table[bytes[i]!]!;
  return samples;
}

export function encodeSamples(encoding: RawEncoding, samples: Int16Array): Buffer {
  if (encoding === 'linear16') {
    const out = Buffer.allocUnsafe(samples.length * 2);
    for (let i = 0; i < samples.length; i += 1) out.writeInt16LE(samples[i]!, 2 * i);
    return out;
  }
  const encode = encoding === 'mulaw' ? linearToUlaw : linearToAlaw;
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i += 1) out[i] = encode(samples[i]!);
  return out;
}

/** Root mean square of samples[start, end) on the int16 scale. */
export function rms(samples: Int16Array, start = 0, end = samples.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i += 1) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / (end - start));
}
