// Sounds on the caller's side that are not the caller talking, as mu-law
// 8 kHz (what Asterisk sends): steady noise, and coughs with clicks. Made from
// a seeded generator, so every run hears the same samples. They match the
// bench's barge-in corpus (scripts/bench/bargein-corpus.ts) in level and shape.
import { encodeUlaw } from '../../media/codec/g711.js';

const RATE = 8000;
const FULL_SCALE = 32767;

/** A small deterministic generator (mulberry32): uniform in [-1, 1). */
function noiseSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * 2 - 1;
  };
}

function toUlaw(pcm: Float64Array): Buffer {
  const samples = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i += 1) samples[i] = Math.max(-FULL_SCALE, Math.min(FULL_SCALE, Math.round(pcm[i]! * FULL_SCALE)));
  const out = Buffer.alloc(pcm.length);
  encodeUlaw(samples, out);
  return out;
}

/** Steady, low-passed noise at about -35 dBFS (a fan, a car, a busy street far off). */
export function pinkishNoise(ms: number, seed = 1): Buffer {
  const next = noiseSource(seed);
  const pcm = new Float64Array((ms * RATE) / 1000);
  let low = 0;
  for (let i = 0; i < pcm.length; i += 1) {
    low += 0.3 * (next() - low);
    pcm[i] = 0.03 * (0.5 * next() + 1.5 * low);
  }
  return toUlaw(pcm);
}

/**
 * A cough (250 ms of brown noise: a 10 ms attack, a 200 ms decay) and, 1.25 s
 * later, a 10 ms click, every 2.5 s.
 */
export function coughsAndClicks(ms: number, seed = 2): Buffer {
  const next = noiseSource(seed);
  const period = 2.5 * RATE;
  const pcm = new Float64Array((ms * RATE) / 1000);
  let brown = 0;
  for (let i = 0; i < pcm.length; i += 1) {
    const t = (i % period) / RATE;
    brown = Math.max(-1, Math.min(1, 0.98 * brown + 0.1 * next()));
    if (t < 0.25) {
      const envelope = t < 0.01 ? t / 0.01 : t > 0.05 ? Math.max(0, (0.25 - t) / 0.2) : 1;
      pcm[i] = 0.6 * brown * envelope;
    } else if (t >= 1.25 && t < 1.26) pcm[i] = 0.5 * next();
  }
  return toUlaw(pcm);
}
