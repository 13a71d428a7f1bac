// Voice activity detection on 20 ms PCM16 frames (160 samples at 8 kHz), in
// two pure stages that the barge-in detector also reuses:
//
// 1. SpeechFrameClassifier: is this one frame speech? Its energy (RMS with
//    the DC offset removed, in dBFS) must exceed a threshold that sits
//    `thresholdAboveFloorDb` above an adaptive noise floor and never below
//    `absoluteThresholdDbfs` (telephone line noise is commonly -60..-50 dBFS;
//    quiet speech is rarely below -45 dBFS). The floor follows the background
//    quickly down (time constant ~100 ms) and slowly up (5 dB/s on non-speech
//    frames, 0.5 dB/s on speech frames so a long utterance barely lifts it).
//    A windowed minimum backstops the slow rise: the floor is never below the
//    quietest frame of the last 2 s, so a sustained noise that appears at a
//    high level (a fan, a bad line) stops counting as speech within ~2 s.
//    All-zero frames (digital silence, e.g. concealed packet loss) carry no
//    information about the line and leave the floor alone.
//    Impulsive frames (crest factor above ~19 dB, a single-sample click) are
//    not speech: speech frames measure 10-17 dB. A zero-crossing check was
//    considered and left out: fricatives cross zero as often as white noise
//    does, so it cannot separate them; the noise floor and the onset duration
//    do that job.
// 2. SpeechSegmenter: turns per-frame decisions into speech segments. Speech
//    starts once `minSpeechMs` of speech frames accumulate with no gap longer
//    than `maxOnsetGapMs` (clicks and coughs shorter than that never start
//    one); it ends after `hangoverMs` without a speech frame.
//
// Time: `atMs` is the media time of a frame's first sample; a frame covers
// [atMs, atMs + FRAME_MS). A decision made on a frame is available at its end.
import { FRAME_MS, FULL_SCALE } from '../audio/frame.js';
import type { VoiceDetector, VoiceDetectorFactory } from '../vad/voice-detector.js';

/** Onset confirmation for barge-in: shorter noises must not interrupt the agent. */
export const BARGE_IN_MIN_SPEECH_MS = 200;
/** Onset confirmation for turn detection: the caller started talking. */
export const TURN_ONSET_MIN_SPEECH_MS = 60;
/** Speech ends after this long without a speech frame. */
export const DEFAULT_HANGOVER_MS = 300;

export type VadEvent =
  /** atMs: onset (start of the first speech frame); confirmedAtMs: end of the frame that confirmed it. */
  | { type: 'speech_start'; atMs: number; confirmedAtMs: number }
  /** atMs: end of the last speech frame. Reported `hangoverMs` later. */
  | { type: 'speech_end'; atMs: number };

export interface FrameClassifierOptions {
  /** A speech frame is at least this far above the noise floor. */
  readonly thresholdAboveFloorDb: number;
  /** ...and never quieter than this, whatever the floor. */
  readonly absoluteThresholdDbfs: number;
  /** Noise floor assumed before the line has been heard. */
  readonly initialNoiseFloorDbfs: number;
}

export interface SegmenterOptions {
  /** Speech frames (in ms) needed to confirm an onset. */
  readonly minSpeechMs: number;
  /** Non-speech time that ends a segment. */
  readonly hangoverMs: number;
  /** A longer non-speech gap before confirmation abandons the onset. */
  readonly maxOnsetGapMs: number;
}

export type VadOptions = FrameClassifierOptions &
  SegmenterOptions & {
    /** Decides per frame; default: the energy classifier (media/vad/ has the others). */
    readonly detector?: VoiceDetectorFactory;
  };

export const DEFAULT_VAD_OPTIONS: Readonly<VadOptions> = Object.freeze({
  minSpeechMs: BARGE_IN_MIN_SPEECH_MS,
  hangoverMs: DEFAULT_HANGOVER_MS,
  maxOnsetGapMs: 60,
  thresholdAboveFloorDb: 10,
  absoluteThresholdDbfs: -48,
  initialNoiseFloorDbfs: -60,
});

/** Energy reported for an all-zero frame, and the lowest the noise floor goes. */
const ENERGY_MIN_DBFS = -100;
/** Per-frame share of the gap closed when the background gets quieter (~100 ms time constant). */
const FLOOR_FALL_FACTOR = 0.2;
const FLOOR_RISE_DB_PER_FRAME_NON_SPEECH = 5 / (1000 / FRAME_MS);
const FLOOR_RISE_DB_PER_FRAME_SPEECH = 0.5 / (1000 / FRAME_MS);
/** The windowed minimum spans MINIMUM_BLOCKS blocks of MINIMUM_BLOCK_FRAMES frames (2 s). */
const MINIMUM_BLOCK_FRAMES = 10;
const MINIMUM_BLOCKS = 10;
/** Peak over RMS above this is an impulse (a single-sample click is ~22 dB in 160 samples). */
const IMPULSE_CREST_DB = 19;
const IMPULSE_CREST_RATIO = Math.pow(10, IMPULSE_CREST_DB / 20);

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

function requireNonNegative(name: string, value: number): void {
  requireFinite(name, value);
  if (value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
}

/** Classifies single frames as speech or not, tracking the line's noise floor. */
export class SpeechFrameClassifier implements VoiceDetector {
  readonly #thresholdAboveFloorDb: number;
  readonly #absoluteThresholdDbfs: number;
  #noiseFloorDbfs: number;
  #energyDbfs = ENERGY_MIN_DBFS;
  readonly #blockMinima = new Float64Array(MINIMUM_BLOCKS);
  #blocksFilled = 0;
  #blockIndex = 0;
  #blockMinimum = Infinity;
  #blockFrames = 0;

  constructor(options: Partial<FrameClassifierOptions> = {}) {
    const merged = { ...DEFAULT_VAD_OPTIONS, ...options };
    requireFinite('thresholdAboveFloorDb', merged.thresholdAboveFloorDb);
    requireFinite('absoluteThresholdDbfs', merged.absoluteThresholdDbfs);
    requireFinite('initialNoiseFloorDbfs', merged.initialNoiseFloorDbfs);
    this.#thresholdAboveFloorDb = merged.thresholdAboveFloorDb;
    this.#absoluteThresholdDbfs = merged.absoluteThresholdDbfs;
    this.#noiseFloorDbfs = Math.max(ENERGY_MIN_DBFS, merged.initialNoiseFloorDbfs);
  }

  /** Energy of the last classified frame (dBFS, DC removed; -100 for silence). */
  get energyDbfs(): number {
    return this.#energyDbfs;
  }

  get noiseFloorDbfs(): number {
    return this.#noiseFloorDbfs;
  }

  /** The level a frame must exceed to be speech. */
  get thresholdDbfs(): number {
    return Math.max(this.#absoluteThresholdDbfs, this.#noiseFloorDbfs + this.#thresholdAboveFloorDb);
  }

  /** Classifies one frame and updates the noise floor with it. */
  classify(frame: Int16Array): boolean {
    const n = frame.length;
    if (n === 0) throw new RangeError('frame is empty');
    let sum = 0;
    let sumOfSquares = 0;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const s = frame[i]!;
      sum += s;
      sumOfSquares += s * s;
      const magnitude = s < 0 ? -s : s;
      if (magnitude > peak) peak = magnitude;
    }
    const mean = sum / n;
    const meanSquare = sumOfSquares / n - mean * mean;
    if (sumOfSquares === 0 || meanSquare <= 0) {
      this.#energyDbfs = ENERGY_MIN_DBFS;
      return false;
    }
    const energy = Math.max(ENERGY_MIN_DBFS, 10 * Math.log10(meanSquare / (FULL_SCALE * FULL_SCALE)));
    this.#energyDbfs = energy;
    const impulsive = peak > IMPULSE_CREST_RATIO * Math.sqrt(meanSquare);
    const speech = !impulsive && energy > this.thresholdDbfs;
    this.#trackFloor(energy, speech);
    return speech;
  }

  #trackFloor(energy: number, speech: boolean): void {
    const floor = this.#noiseFloorDbfs;
    let next: number;
    if (energy < floor) {
      next = floor + (energy - floor) * FLOOR_FALL_FACTOR;
    } else {
      const rise = speech ? FLOOR_RISE_DB_PER_FRAME_SPEECH : FLOOR_RISE_DB_PER_FRAME_NON_SPEECH;
      next = floor + Math.min(energy - floor, rise);
    }
    if (energy < this.#blockMinimum) this.#blockMinimum = energy;
    if (++this.#blockFrames === MINIMUM_BLOCK_FRAMES) {
      this.#blockMinima[this.#blockIndex] = this.#blockMinimum;
      this.#blockIndex = (this.#blockIndex + 1) % MINIMUM_BLOCKS;
      if (this.#blocksFilled < MINIMUM_BLOCKS) this.#blocksFilled++;
      this.#blockMinimum = Infinity;
      this.#blockFrames = 0;
      if (this.#blocksFilled === MINIMUM_BLOCKS) {
        let windowMinimum = Infinity;
        for (let i = 0; i < MINIMUM_BLOCKS; i++) windowMinimum = Math.min(windowMinimum, this.#blockMinima[i]!);
        if (windowMinimum > next) next = windowMinimum;
      }
    }
    this.#noiseFloorDbfs = next;
  }
}

/** Turns per-frame speech decisions into confirmed speech segments. */
export class SpeechSegmenter {
  readonly #minSpeechMs: number;
  readonly #hangoverMs: number;
  readonly #maxOnsetGapMs: number;
  #speaking = false;
  /** Onset of the candidate or confirmed segment; null when there is none. */
  #onsetMs: number | null = null;
  #candidateSpeechMs = 0;
  /** End of the last speech frame of the candidate or segment. */
  #lastSpeechEndMs = 0;

  constructor(options: Partial<SegmenterOptions> = {}) {
    const merged = { ...DEFAULT_VAD_OPTIONS, ...options };
    requireNonNegative('minSpeechMs', merged.minSpeechMs);
    requireNonNegative('hangoverMs', merged.hangoverMs);
    requireNonNegative('maxOnsetGapMs', merged.maxOnsetGapMs);
    this.#minSpeechMs = merged.minSpeechMs;
    this.#hangoverMs = merged.hangoverMs;
    this.#maxOnsetGapMs = merged.maxOnsetGapMs;
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  /** Onset of the current confirmed segment, or null when not speaking. */
  get speechStartedAtMs(): number | null {
    return this.#speaking ? this.#onsetMs : null;
  }

  /** Feeds the decision for the frame that starts at `atMs`. */
  update(isSpeech: boolean, atMs: number): VadEvent | null {
    const frameEndMs = atMs + FRAME_MS;
    if (this.#speaking) {
      if (isSpeech) {
        this.#lastSpeechEndMs = frameEndMs;
        return null;
      }
      if (frameEndMs - this.#lastSpeechEndMs < this.#hangoverMs) return null;
      const endMs = this.#lastSpeechEndMs;
      this.reset();
      return { type: 'speech_end', atMs: endMs };
    }
    if (isSpeech) {
      if (this.#onsetMs === null) {
        this.#onsetMs = atMs;
        this.#candidateSpeechMs = 0;
      }
      this.#candidateSpeechMs += FRAME_MS;
      this.#lastSpeechEndMs = frameEndMs;
      if (this.#candidateSpeechMs < this.#minSpeechMs) return null;
      this.#speaking = true;
      return { type: 'speech_start', atMs: this.#onsetMs, confirmedAtMs: frameEndMs };
    }
    if (this.#onsetMs !== null && frameEndMs - this.#lastSpeechEndMs > this.#maxOnsetGapMs) this.#onsetMs = null;
    return null;
  }

  /** Forgets any candidate or segment (no event is reported for it). */
  reset(): void {
    this.#speaking = false;
    this.#onsetMs = null;
    this.#candidateSpeechMs = 0;
  }
}

/** Frame-based voice activity detector: frames in, speech start/end events out. */
export class VoiceActivityDetector {
  readonly #classifier: VoiceDetector;
  readonly #segmenter: SpeechSegmenter;

  constructor(options: Partial<VadOptions> = {}) {
    this.#classifier = options.detector?.(options) ?? new SpeechFrameClassifier(options);
    this.#segmenter = new SpeechSegmenter(options);
  }

  /** Processes the frame whose first sample is at `atMs`. */
  process(frame: Int16Array, atMs: number): VadEvent | null {
    return this.#segmenter.update(this.#classifier.classify(frame, atMs), atMs);
  }

  get speaking(): boolean {
    return this.#segmenter.speaking;
  }

  get speechStartedAtMs(): number | null {
    return this.#segmenter.speechStartedAtMs;
  }

  /** The line's current noise floor estimate (dBFS); NaN when the detector does not track one. */
  get noiseFloorDbfs(): number {
    return this.#classifier instanceof SpeechFrameClassifier ? this.#classifier.noiseFloorDbfs : Number.NaN;
  }
}
