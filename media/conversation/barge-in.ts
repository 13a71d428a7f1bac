// Decides when the caller talks over the agent, rejecting the agent's own echo.
//
// The caller's side may carry our own audio back, delayed by up to
// `echoTailMs` and attenuated by at least `echoReturnLossDb` (a hybrid, a
// speakerphone). A level-based double-talk detector separates the two: a
// caller frame counts as the caller's speech only if the voice activity
// classifier says speech AND its energy exceeds
//
//     (loudest agent frame sent in the last echoTailMs) - echoReturnLossDb + echoMarginDb
//
// A 20 ms window of delayed agent audio straddles two of our frames, so its
// energy is at most their sum: 3 dB above the louder one. The default margin
// is exactly that bound, so echoReturnLossDb is the line's true worst case
// (put any safety there; measured on the recorded speech with echo delays of
// 0-300 ms, echo 16 dB down never interrupted with the defaults, 14 dB down did). Agent frame energies sit
// in a small ring (one slot per tick: O(frame) per tick, nothing allocated).
// When the agent has been silent for echoTailMs the gate is open and only the
// classifier decides.
//
// A cross-correlation echo check was left out: finding the echo delay means
// searching up to 2,400 lags at 8 kHz, far more than O(frame) per tick, and a
// wrong delay estimate makes the agent interrupt itself. The level gate's
// cost is sensitivity: while the agent speaks, caller phonemes more than
// ~15 dB below the agent's recent peak are not counted, so a caller who is
// quiet relative to the agent, or whose words start softly, is detected later
// (hundreds of ms for a word that starts with a soft fricative).
//
// Speech that passes the gate is segmented like the VAD does (minSpeechMs of
// speech frames to confirm, hangoverMs to end). A barge-in is reported once per
// confirmed segment, at the first tick on which the segment is confirmed
// while the agent is audible (it sent audio within the last echoTailMs): a
// caller who was already talking when the agent started is reported as soon
// as the agent starts. The conversation acts on it only while its turn plays.
//
// Evidence from the speech-to-text service (corroborate()) decides sooner
// without more false barge-ins, because it never decides alone on the level
// gate's doubtful frames:
// - the service heard speech start (Deepgram SpeechStarted) near the onset of
//   a local segment: corroboratedMinSpeechMs of gated speech is enough;
// - the service recognized words the agent did not say (`strong`, judged by
//   the caller against the agent's own words, so echo does not count): the
//   caller is talking, even one the level gate holds back entirely.
// Evidence counts for EVIDENCE_MAX_AGE_MS after it arrived, and only about
// speech that began after the agent's current stretch of audio did (what the
// service reports late about the caller's own turn is not an interruption).
import { FRAME_MS, FULL_SCALE } from '../audio/frame.js';
import {
  BARGE_IN_MIN_SPEECH_MS,
  DEFAULT_HANGOVER_MS,
  DEFAULT_VAD_OPTIONS,
  SpeechFrameClassifier,
  SpeechSegmenter,
  type FrameClassifierOptions,
} from './vad.js';

export interface BargeInEvent {
  readonly type: 'barge_in';
  /** Start of the first caller speech frame of the segment. */
  readonly onsetMs: number;
  /** End of the frame on which the barge-in was decided. */
  readonly decidedAtMs: number;
}

export interface BargeInOptions extends FrameClassifierOptions {
  /** Caller speech (ms of speech frames) needed before interrupting. */
  readonly minSpeechMs: number;
  /** Assumed minimum attenuation of our own audio coming back on the caller's side. */
  readonly echoReturnLossDb: number;
  /** Extra level above the echo estimate that caller speech must reach. */
  readonly echoMarginDb: number;
  /** Longest delay of our own audio coming back. */
  readonly echoTailMs: number;
  /** Non-speech time that ends a caller segment (and re-arms the detector). */
  readonly hangoverMs: number;
  /** Non-speech gap that abandons an unconfirmed onset. */
  readonly maxOnsetGapMs: number;
  /** Caller speech needed when the speech-to-text service corroborates it. */
  readonly corroboratedMinSpeechMs: number;
}

/** How far the service's onset may lie from the local one and still be the same speech. */
const EVIDENCE_ONSET_TOLERANCE_MS = 500;
/** Evidence older than this (since it arrived) no longer counts. */
const EVIDENCE_MAX_AGE_MS = 1_500;

export const DEFAULT_BARGE_IN_OPTIONS: Readonly<BargeInOptions> = Object.freeze({
  ...DEFAULT_VAD_OPTIONS,
  minSpeechMs: BARGE_IN_MIN_SPEECH_MS,
  hangoverMs: DEFAULT_HANGOVER_MS,
  echoReturnLossDb: 18,
  echoMarginDb: 3,
  echoTailMs: 300,
  // Speech that passes the echo gate has more holes than speech itself (quiet
  // phonemes under the gate), so an onset survives a longer gap than in the VAD.
  maxOnsetGapMs: 100,
  corroboratedMinSpeechMs: 60,
});

const SILENT_DBFS = -Infinity;

function meanSquareDbfs(frame: Int16Array): number {
  const n = frame.length;
  if (n === 0) return SILENT_DBFS;
  let sumOfSquares = 0;
  for (let i = 0; i < n; i++) {
    const s = frame[i]!;
    sumOfSquares += s * s;
  }
  if (sumOfSquares === 0) return SILENT_DBFS;
  return 10 * Math.log10(sumOfSquares / n / (FULL_SCALE * FULL_SCALE));
}

export class BargeInDetector {
  readonly #classifier: SpeechFrameClassifier;
  readonly #segmenter: SpeechSegmenter;
  /** The same gated speech, confirmed sooner: what corroborated evidence needs. */
  readonly #early: SpeechSegmenter;
  #evidence: { onsetMs: number; strong: boolean; arrivedAtMs: number | null } | null = null;
  /** When the agent's current stretch of audio began: only speech after it interrupts it. */
  #agentAudibleSinceMs = Number.POSITIVE_INFINITY;
  readonly #echoReturnLossDb: number;
  readonly #echoMarginDb: number;
  /** Energy (dBFS) of the agent frame sent on each of the last ticks; -Infinity when silent. */
  readonly #agentLevels: Float64Array;
  #agentIndex = 0;
  /** Ticks since the agent last sent audio (saturates at the ring's length). */
  #ticksSinceAgentAudio: number;
  #reportedThisSegment = false;

  constructor(options: Partial<BargeInOptions> = {}) {
    const merged = { ...DEFAULT_BARGE_IN_OPTIONS, ...options };
    for (const name of ['echoReturnLossDb', 'echoMarginDb', 'echoTailMs'] as const) {
      if (!Number.isFinite(merged[name])) throw new RangeError(`${name} must be a finite number, got ${merged[name]}`);
    }
    if (merged.echoTailMs < 0) throw new RangeError(`echoTailMs must be >= 0, got ${merged.echoTailMs}`);
    this.#classifier = new SpeechFrameClassifier(merged);
    this.#segmenter = new SpeechSegmenter(merged);
    this.#early = new SpeechSegmenter({ ...merged, minSpeechMs: Math.min(merged.corroboratedMinSpeechMs, merged.minSpeechMs) });
    this.#echoReturnLossDb = merged.echoReturnLossDb;
    this.#echoMarginDb = merged.echoMarginDb;
    // The current tick plus every tick whose audio may still come back.
    this.#agentLevels = new Float64Array(Math.ceil(merged.echoTailMs / FRAME_MS) + 1).fill(SILENT_DBFS);
    this.#ticksSinceAgentAudio = this.#agentLevels.length;
  }

  /**
   * One tick: the caller's frame and what we sent in the same tick (null when
   * the agent was silent); `atMs` is the media time of the frames' first sample.
   */
  process(callerFrame: Int16Array, agentFrame: Int16Array | null, atMs: number): BargeInEvent | null {
    const agentLevel = agentFrame === null ? SILENT_DBFS : meanSquareDbfs(agentFrame);
    const ring = this.#agentLevels;
    ring[this.#agentIndex] = agentLevel;
    this.#agentIndex = (this.#agentIndex + 1) % ring.length;
    if (agentLevel !== SILENT_DBFS) {
      if (this.#ticksSinceAgentAudio >= ring.length) this.#agentAudibleSinceMs = atMs;
      this.#ticksSinceAgentAudio = 0;
    } else if (this.#ticksSinceAgentAudio < ring.length) this.#ticksSinceAgentAudio++;

    let loudestAgentDbfs = SILENT_DBFS;
    for (let i = 0; i < ring.length; i++) if (ring[i]! > loudestAgentDbfs) loudestAgentDbfs = ring[i]!;

    const voice = this.#classifier.classify(callerFrame);
    const echoGateDbfs = loudestAgentDbfs - this.#echoReturnLossDb + this.#echoMarginDb;
    const callerSpeech = voice && this.#classifier.energyDbfs > echoGateDbfs;

    const event = this.#segmenter.update(callerSpeech, atMs);
    const early = this.#early.update(callerSpeech, atMs);
    const ended = event?.type === 'speech_end' || early?.type === 'speech_end';
    if (ended && !this.#segmenter.speaking && !this.#early.speaking) this.#reportedThisSegment = false;
    const evidence = this.#freshEvidence(atMs);
    if (this.#reportedThisSegment || this.#ticksSinceAgentAudio >= ring.length) return null;
    const onsetMs = this.#onsetToReport(evidence);
    if (onsetMs === null) return null;
    this.#reportedThisSegment = true;
    this.#evidence = null;
    return { type: 'barge_in', onsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  /**
   * The speech-to-text service heard the caller: speech starting at `onsetMs`
   * (the call's clock), `strong` when it recognized words the agent did not say.
   */
  corroborate(onsetMs: number, strong: boolean): void {
    this.#evidence = { onsetMs, strong, arrivedAtMs: null };
  }

  /** The onset of a barge-in decided now, or null. */
  #onsetToReport(evidence: { onsetMs: number; strong: boolean } | null): number | null {
    if (this.#segmenter.speaking) return this.#segmenter.speechStartedAtMs!;
    const earlyOnsetMs = this.#early.speechStartedAtMs;
    if (evidence === null) return null;
    if (earlyOnsetMs !== null && Math.abs(evidence.onsetMs - earlyOnsetMs) <= EVIDENCE_ONSET_TOLERANCE_MS) return earlyOnsetMs;
    return evidence.strong ? evidence.onsetMs : null;
  }

  /** Evidence that still counts: recent, and about speech since the agent began talking (not the turn it answers). */
  #freshEvidence(atMs: number): { onsetMs: number; strong: boolean } | null {
    const evidence = this.#evidence;
    if (evidence === null) return null;
    evidence.arrivedAtMs ??= atMs;
    const silent = this.#ticksSinceAgentAudio >= this.#agentLevels.length;
    if (!silent && evidence.onsetMs >= this.#agentAudibleSinceMs && atMs - evidence.arrivedAtMs <= EVIDENCE_MAX_AGE_MS) return evidence;
    this.#evidence = null;
    return null;
  }

  /** Forgets the caller's segment and the agent's recent audio; the line's noise floor is kept. */
  reset(): void {
    this.#segmenter.reset();
    this.#early.reset();
    this.#evidence = null;
    this.#agentLevels.fill(SILENT_DBFS);
    this.#agentIndex = 0;
    this.#ticksSinceAgentAudio = this.#agentLevels.length;
    this.#agentAudibleSinceMs = Number.POSITIVE_INFINITY;
    this.#reportedThisSegment = false;
  }
}
