// Test signals for the conversation's voice activity and barge-in detectors:
// the recorded caller speech, seeded noise, and helpers to place, scale, delay
// and mix them at 8 kHz.
import { FULL_SCALE } from '../../media/audio/frame.js';
import { decodeUlaw } from '../../media/codec/g711.js';
import { callerSpeechUlaw } from '../kit/reference-media.js';

export const RATE = 8000;
export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;
export const SAMPLES_PER_MS = RATE / 1000;

/** The 6 s of recorded caller speech (test/kit/reference-media.ts), decoded to PCM16. */
export function callerSpeech(): Int16Array {
  const bytes = callerSpeechUlaw();
  const pcm = new Int16Array(bytes.length);
  decodeUlaw(bytes, pcm);
  return pcm;
}

/** A small deterministic PRNG (mulberry32), uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian white noise with the given RMS level (dBFS), as floats. */
export function whiteNoise(samples: number, levelDbfs: number, seed = 1): Float64Array {
  const random = seededRandom(seed);
  const sigma = FULL_SCALE * Math.pow(10, levelDbfs / 20);
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const u = 1 - random();
    out[i] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return out;
}

/** Adds `source` scaled by `gainDb` into `target` starting at `atSample` (clipped at the end). */
export function mixInto(target: Float64Array, source: ArrayLike<number>, atSample: number, gainDb = 0): void {
  const gain = Math.pow(10, gainDb / 20);
  const n = Math.min(source.length, target.length - atSample);
  for (let i = Math.max(0, -atSample); i < n; i++) target[atSample + i]! += source[i]! * gain;
}

/** Rounds and saturates to PCM16. */
export function toPcm16(signal: Float64Array): Int16Array {
  const out = new Int16Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    const v = Math.round(signal[i]!);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** `signal` repeated until it has `samples` samples. */
export function looped(signal: Int16Array, samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = signal[i % signal.length]!;
  return out;
}

export function levelDbfs(samples: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / (to - from) / (FULL_SCALE * FULL_SCALE) + 1e-20);
}

const ONSET_BLOCK_MS = 5;
/** Clearly above the fixture's silence (-78 dBFS) and the test noise (<= -50 dBFS), below its quietest speech. */
const ONSET_LEVEL_DBFS = -45;

/**
 * The true onset of speech at or after `fromMs`, found by hand-rolled energy
 * analysis of clean speech: the start of the first 5 ms block above -45 dBFS.
 */
export function speechOnsetMs(cleanSpeech: ArrayLike<number>, fromMs: number): number {
  const block = ONSET_BLOCK_MS * SAMPLES_PER_MS;
  for (let start = fromMs * SAMPLES_PER_MS; start + block <= cleanSpeech.length; start += block) {
    if (levelDbfs(cleanSpeech, start, start + block) > ONSET_LEVEL_DBFS) return start / SAMPLES_PER_MS;
  }
  throw new Error(`no speech after ${fromMs} ms`);
}

/** The end of the last 5 ms block above -45 dBFS before the first silence of `silenceMs` after `fromMs`. */
export function speechEndMs(cleanSpeech: ArrayLike<number>, fromMs: number, silenceMs: number): number {
  const block = ONSET_BLOCK_MS * SAMPLES_PER_MS;
  let lastLoudEnd = fromMs * SAMPLES_PER_MS;
  for (let start = lastLoudEnd; start + block <= cleanSpeech.length; start += block) {
    if (levelDbfs(cleanSpeech, start, start + block) > ONSET_LEVEL_DBFS) lastLoudEnd = start + block;
    else if (start + block - lastLoudEnd >= silenceMs * SAMPLES_PER_MS) return lastLoudEnd / SAMPLES_PER_MS;
  }
  return lastLoudEnd / SAMPLES_PER_MS;
}

/** The 20 ms frames of `signal` (views, no copies) with their start times. */
export function* frames(signal: Int16Array): Generator<{ frame: Int16Array; atMs: number }> {
  for (let start = 0; start + FRAME_SAMPLES <= signal.length; start += FRAME_SAMPLES) {
    yield { frame: signal.subarray(start, start + FRAME_SAMPLES), atMs: start / SAMPLES_PER_MS };
  }
}
