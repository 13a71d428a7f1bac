// The one audio frame inside the gateway: 20 ms of mono linear PCM, signed
// 16-bit samples in host order (an Int16Array of samplesPerFrame(rate)), at a
// known sample rate; between Asterisk and the gateway the rate is 8 kHz.
// 20 ms is the packetization interval Asterisk uses for externalMedia RTP
// (RFC 3551 section 4.2: the default packetization interval is 20 ms), so
// one frame is one RTP payload at 8 kHz. Wire formats (G.711, big-endian L16)
// are converted at the edges by media/codec/.

export type SampleRate = 8000 | 16000 | 24000;

export const SAMPLE_RATES: readonly SampleRate[] = Object.freeze([8000, 16000, 24000] as const);

export const FRAME_MS = 20;

export const FRAMES_PER_SECOND = 1000 / FRAME_MS;

/** Samples in one 20 ms frame: 160 at 8 kHz, 320 at 16 kHz, 480 at 24 kHz. */
export function samplesPerFrame(rate: SampleRate): number {
  return rate / FRAMES_PER_SECOND;
}

/** Samples in one 20 ms frame at 8 kHz, the rate of every call's audio (and bytes of one G.711 frame). */
export const SAMPLES_PER_FRAME_8K = samplesPerFrame(8000);

export function isSampleRate(value: number): value is SampleRate {
  return value === 8000 || value === 16000 || value === 24000;
}

/** Full scale of a 16-bit sample: 0 dBFS is an RMS of 32768 (a full-scale square wave). */
export const FULL_SCALE = 32768;

/**
 * RMS level relative to full scale, in dB (a full-scale sine is about -3.01 dBFS).
 * Returns -Infinity for an empty or all-zero buffer.
 */
export function rmsDbfs(samples: Int16Array): number {
  const n = samples.length;
  if (n === 0) return -Infinity;
  let sumOfSquares = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    sumOfSquares += s * s;
  }
  if (sumOfSquares === 0) return -Infinity;
  return 10 * Math.log10(sumOfSquares / n / (FULL_SCALE * FULL_SCALE));
}
