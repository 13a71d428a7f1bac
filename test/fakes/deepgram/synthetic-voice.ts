// Deterministic speech-like audio for the TTS fakes (Deepgram Aura, OpenAI speech): a voiced
// signal (harmonics of a slowly gliding fundamental) under a syllable-rate envelope. Its length
// depends only on the text's length, so a test can predict how many bytes a text produces, and
// its level stays far above any silence detector's threshold for the whole duration.

export const DEFAULT_MS_PER_CHARACTER = 65;
export const DEFAULT_MIN_SPEECH_MS = 200;

const BASE_F0_HZ = 125;
const F0_GLIDE_HZ = 20;
const F0_GLIDE_RATE_HZ = 0.7;
const SYLLABLE_RATE_HZ = 4;
/** The envelope never drops below this share of the peak: the signal is voiced throughout. */
const ENVELOPE_FLOOR = 0.35;
const EDGE_FADE_MS = 5;
const PEAK_AMPLITUDE = 12_000;
const HIGHEST_HARMONIC_HZ = 3_400;
const CACHE_ENTRIES = 32;

export interface SpeechTiming {
  msPerCharacter?: number;
  minDurationMs?: number;
}

/** Duration the synthetic voice gives a text: msPerCharacter per character, at least minDurationMs. */
export function speechDurationMs(text: string, timing: SpeechTiming = {}): number {
  const msPerCharacter = timing.msPerCharacter ?? DEFAULT_MS_PER_CHARACTER;
  const minDurationMs = timing.minDurationMs ?? DEFAULT_MIN_SPEECH_MS;
  return Math.max(minDurationMs, Math.round([...text].length * msPerCharacter));
}

/** Samples for durationMs of audio at sampleRate (rounded down to whole samples). */
export function speechSampleCount(durationMs: number, sampleRate: number): number {
  return Math.floor((durationMs * sampleRate) / 1000);
}

const cache = new Map<string, Int16Array>();

/** Mono PCM16 samples of the synthetic voice; the same arguments always give the same samples. */
export function synthesizeSpeech(durationMs: number, sampleRate: number): Int16Array {
  const key = `${durationMs}/${sampleRate}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const samples = render(speechSampleCount(durationMs, sampleRate), sampleRate);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, samples);
  return samples;
}

function render(count: number, sampleRate: number): Int16Array {
  const maxF0 = BASE_F0_HZ + F0_GLIDE_HZ;
  const harmonics = Math.max(1, Math.floor(Math.min(HIGHEST_HARMONIC_HZ, 0.45 * sampleRate) / maxF0));
  const raw = new Float64Array(count);
  const fadeSamples = Math.max(1, Math.floor((EDGE_FADE_MS * sampleRate) / 1000));
  let phase = 0;
  let peak = 0;
  for (let n = 0; n < count; n += 1) {
    const t = n / sampleRate;
    const f0 = BASE_F0_HZ + F0_GLIDE_HZ * Math.sin(2 * Math.PI * F0_GLIDE_RATE_HZ * t);
    phase += (2 * Math.PI * f0) / sampleRate;
    let value = 0;
    for (let k = 1; k <= harmonics; k += 1) value += Math.sin(k * phase) / k;
    const syllable = Math.sin(Math.PI * SYLLABLE_RATE_HZ * t);
    let envelope = ENVELOPE_FLOOR + (1 - ENVELOPE_FLOOR) * syllable * syllable;
    const edge = Math.min(n, count - 1 - n);
    if (edge < fadeSamples) envelope *= edge / fadeSamples;
    value *= envelope;
    raw[n] = value;
    peak = Math.max(peak, Math.abs(value));
  }
  const scale = peak > 0 ? PEAK_AMPLITUDE / peak : 0;
  const samples = new Int16Array(count);
  for (let n = 0; n < count; n += 1) samples[n] = Math.round(raw[n]! * scale);
  return samples;
}
