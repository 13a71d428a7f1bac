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
// Voice, not just sound: a cough, a knock or a burst of noise is as loud as
// speech and may last longer than minSpeechMs, but it has no pitch. Speech
// that passes the gate decides only once minVoicedFrames of its frames are
// periodic (periodicity.ts): a caller's first 200 ms always hold a vowel or a
// nasal, a 250 ms cough holds none (once the service heard speech start, one
// voiced frame is enough: its shorter onset may begin with a fricative). Words
// the service recognized need no such proof; a pause (a stop that may be
// taken back) does not wait for it either.
//
// Speech that passes the gate is segmented like the VAD does (minSpeechMs of
// speech frames to confirm, hangoverMs to end). A barge-in is reported once per
// confirmed segment, on the first caller frame on which the segment is
// confirmed while the agent is audible (it sent audio within the last
// echoTailMs): a caller who was already talking when the agent started is
// reported as soon as the agent starts. The conversation acts on it only while
// its turn plays.
//
// Two inputs with their own pace: agentTick() once per media tick (what we
// sent), callerFrame() for each caller frame as it arrives, before the jitter
// buffer's delay (in sequence order; the session leaves out a packet later
// than one already passed on, so none is counted twice). process() is both,
// for one tick.
//
// Pause, then confirm (pauseMinSpeechMs > 0): a shorter stretch of gated
// speech (pauseMinSpeechMs) reports `pause`: the agent stops at once, but the
// turn is kept. The pause becomes a `barge_in` when a second signal comes:
// the caller's speech goes on to pausedMinSpeechMs (longer than minSpeechMs
// when words can come: a cough of 250 ms is not a barge-in), or the service
// recognizes words the agent did not say. When neither came within
// resumeAfterMs of the pause and the caller has been quiet for hangoverMs (a
// cough, a click, a door), it reports `resume`: the turn goes on as if never
// interrupted. When the service heard speech start, its words may still be on
// their way (they follow its endpointing): the caller must then have been
// quiet for sttQuietMs. A sound that
// neither confirms nor stops for maxPauseMs is taken for the caller: barge_in.
// The service's speech start alone only hastens a pause (corroboratedMinSpeechMs):
// its voice activity fires on coughs too. A pause the conversation cannot act
// on (decline(): nothing of a turn is playing) is decided as without pausing.
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
import { Periodicity } from '../vad/periodicity.js';
import type { VoiceDetector, VoiceDetectorFactory } from '../vad/voice-detector.js';

/** Caller speech (ms of gated speech frames) that pauses the agent until confirmed. */
export const BARGE_IN_PAUSE_MIN_SPEECH_MS = 80;
/** A pause not confirmed this long after it began resumes the turn once the caller is quiet. */
export const BARGE_IN_RESUME_AFTER_MS = 700;
/** A pause neither confirmed nor quiet this long after it began is a barge-in. */
export const BARGE_IN_MAX_PAUSE_MS = 2_000;
/** Caller sound that confirms a pause without words (a cough lasts up to ~300 ms). */
export const BARGE_IN_PAUSED_MIN_SPEECH_MS = 400;
/** Quiet before resuming when the service heard speech start: its endpointing (300 ms) and its latency. */
export const BARGE_IN_STT_QUIET_MS = 800;
/** Periodic (voiced) frames a stretch of caller sound needs before it interrupts without words. */
export const BARGE_IN_MIN_VOICED_FRAMES = 2;
/** Periodicity (periodicity.ts) from which a frame is voiced: noise stays below 0.45, vowels mostly above. */
const VOICED_PERIODICITY = 0.5;

export interface BargeInEvent {
  /** barge_in: the caller interrupts; pause: stop now, wait for confirmation; resume: it was not speech. */
  readonly type: 'barge_in' | 'pause' | 'resume';
  /** Start of the first caller speech frame of the segment. */
  readonly onsetMs: number;
  /** End of the frame (or tick) on which it was decided. */
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
  /** Caller speech that pauses the agent until confirmed; 0: never pause. */
  readonly pauseMinSpeechMs: number;
  /** Time after a pause before an unconfirmed one resumes (once the caller is quiet). */
  readonly resumeAfterMs: number;
  /** Time after a pause after which a sound that did not stop is a barge-in. */
  readonly maxPauseMs: number;
  /** Caller speech (gaps shorter than hangoverMs) that confirms a pause without words. */
  readonly pausedMinSpeechMs: number;
  /** Quiet needed before resuming once the service heard speech start (its words may follow). */
  readonly sttQuietMs: number;
  /** Voiced frames the caller's sound needs before it interrupts (or confirms a pause) without words; 0: any sound. */
  readonly minVoicedFrames: number;
  /** Decides per frame whether the caller's audio is voice; default: the energy classifier. */
  readonly detector?: VoiceDetectorFactory;
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
  pauseMinSpeechMs: BARGE_IN_PAUSE_MIN_SPEECH_MS,
  resumeAfterMs: BARGE_IN_RESUME_AFTER_MS,
  maxPauseMs: BARGE_IN_MAX_PAUSE_MS,
  pausedMinSpeechMs: BARGE_IN_PAUSED_MIN_SPEECH_MS,
  sttQuietMs: BARGE_IN_STT_QUIET_MS,
  minVoicedFrames: BARGE_IN_MIN_VOICED_FRAMES,
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

interface Evidence {
  onsetMs: number;
  strong: boolean;
  arrivedAtMs: number | null;
}

export class BargeInDetector {
  readonly #classifier: VoiceDetector;
  readonly #segmenter: SpeechSegmenter;
  /** The same gated speech, confirmed sooner: what corroborated evidence needs. */
  readonly #early: SpeechSegmenter;
  /** The same gated speech, confirmed after pauseMinSpeechMs; null when pausing is off. */
  readonly #pauser: SpeechSegmenter | null;
  /** The sound of a pause, confirmed after pausedMinSpeechMs. */
  readonly #confirmer: SpeechSegmenter;
  readonly #resumeAfterMs: number;
  readonly #maxPauseMs: number;
  readonly #hangoverMs: number;
  readonly #sttQuietMs: number;
  #evidence: Evidence | null = null;
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
  /** The pause in progress (onset of its speech, when it was decided). */
  #paused: { onsetMs: number; atMs: number; sttHeard: boolean } | null = null;
  /** No pause for the current segment (already paused once, or declined): decided as without pausing. */
  #noPauseThisSegment = false;
  /** End of the last caller frame that passed the gate as speech. */
  #lastSpeechEndMs = Number.NEGATIVE_INFINITY;
  readonly #periodicity = new Periodicity();
  readonly #minVoicedFrames: number;
  readonly #maxOnsetGapMs: number;
  /** Voiced frames among the gated speech of the current stretch (reset once it is over). */
  #voicedFrames = 0;

  constructor(options: Partial<BargeInOptions> = {}) {
    const merged = { ...DEFAULT_BARGE_IN_OPTIONS, ...options };
    for (const name of ['echoReturnLossDb', 'echoMarginDb', 'echoTailMs', 'pauseMinSpeechMs', 'resumeAfterMs', 'maxPauseMs', 'pausedMinSpeechMs', 'sttQuietMs'] as const) {
      if (!Number.isFinite(merged[name])) throw new RangeError(`${name} must be a finite number, got ${merged[name]}`);
    }
    if (!Number.isInteger(merged.minVoicedFrames) || merged.minVoicedFrames < 0) throw new RangeError(`minVoicedFrames must be an integer >= 0, got ${merged.minVoicedFrames}`);
    for (const name of ['echoTailMs', 'pauseMinSpeechMs', 'resumeAfterMs', 'pausedMinSpeechMs', 'sttQuietMs'] as const) {
      if (merged[name] < 0) throw new RangeError(`${name} must be >= 0, got ${merged[name]}`);
    }
    if (merged.maxPauseMs < merged.resumeAfterMs) throw new RangeError(`maxPauseMs must be >= resumeAfterMs, got ${merged.maxPauseMs}`);
    this.#classifier = merged.detector?.(merged) ?? new SpeechFrameClassifier(merged);
    this.#segmenter = new SpeechSegmenter(merged);
    this.#early = new SpeechSegmenter({ ...merged, minSpeechMs: Math.min(merged.corroboratedMinSpeechMs, merged.minSpeechMs) });
    // Pausing only helps when it comes before the barge-in itself.
    const pausing = merged.pauseMinSpeechMs > 0 && merged.pauseMinSpeechMs < merged.minSpeechMs;
    this.#pauser = pausing ? new SpeechSegmenter({ ...merged, minSpeechMs: merged.pauseMinSpeechMs }) : null;
    this.#confirmer = new SpeechSegmenter({ ...merged, minSpeechMs: merged.pausedMinSpeechMs, maxOnsetGapMs: merged.hangoverMs });
    this.#resumeAfterMs = merged.resumeAfterMs;
    this.#maxPauseMs = merged.maxPauseMs;
    this.#hangoverMs = merged.hangoverMs;
    this.#sttQuietMs = merged.sttQuietMs;
    this.#minVoicedFrames = merged.minVoicedFrames;
    this.#maxOnsetGapMs = merged.maxOnsetGapMs;
    this.#echoReturnLossDb = merged.echoReturnLossDb;
    this.#echoMarginDb = merged.echoMarginDb;
    // The current tick plus every tick whose audio may still come back.
    this.#agentLevels = new Float64Array(Math.ceil(merged.echoTailMs / FRAME_MS) + 1).fill(SILENT_DBFS);
    this.#ticksSinceAgentAudio = this.#agentLevels.length;
  }

  /** A pause is in progress (the agent stopped, confirmation awaited). */
  get paused(): boolean {
    return this.#paused !== null;
  }

  /**
   * One tick: the caller's frame and what we sent in the same tick (null when
   * the agent was silent); `atMs` is the media time of the frames' first sample.
   */
  process(callerFrame: Int16Array, agentFrame: Int16Array | null, atMs: number): BargeInEvent | null {
    const timed = this.agentTick(agentFrame, atMs);
    const heard = this.callerFrame(callerFrame, atMs);
    return timed ?? heard;
  }

  /**
   * What we sent on this tick (null: nothing); once per media tick, whether or
   * not caller audio arrived. A pause that ran out is decided here.
   */
  agentTick(agentFrame: Int16Array | null, atMs: number): BargeInEvent | null {
    const agentLevel = agentFrame === null ? SILENT_DBFS : meanSquareDbfs(agentFrame);
    const ring = this.#agentLevels;
    ring[this.#agentIndex] = agentLevel;
    this.#agentIndex = (this.#agentIndex + 1) % ring.length;
    if (agentLevel !== SILENT_DBFS) {
      if (this.#ticksSinceAgentAudio >= ring.length) this.#agentAudibleSinceMs = atMs;
      this.#ticksSinceAgentAudio = 0;
    } else if (this.#ticksSinceAgentAudio < ring.length) this.#ticksSinceAgentAudio++;

    const paused = this.#paused;
    if (paused === null) return null;
    const pausedForMs = atMs + FRAME_MS - paused.atMs;
    const quietMs = paused.sttHeard ? Math.max(this.#hangoverMs, this.#sttQuietMs) : this.#hangoverMs;
    const quiet = atMs + FRAME_MS - this.#lastSpeechEndMs >= quietMs;
    if (pausedForMs < this.#resumeAfterMs || !quiet) return pausedForMs >= this.#maxPauseMs ? this.#confirm(paused.onsetMs, atMs) : null;
    this.#paused = null;
    this.#segmenter.reset();
    this.#early.reset();
    this.#pauser?.reset();
    this.#confirmer.reset();
    this.#evidence = null;
    this.#noPauseThisSegment = false;
    return { type: 'resume', onsetMs: paused.onsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  /** One frame of the caller's audio, as it arrives; `atMs` is the media time of its first sample. */
  callerFrame(callerFrame: Int16Array, atMs: number): BargeInEvent | null {
    const ring = this.#agentLevels;
    let loudestAgentDbfs = SILENT_DBFS;
    for (let i = 0; i < ring.length; i++) if (ring[i]! > loudestAgentDbfs) loudestAgentDbfs = ring[i]!;

    const voice = this.#classifier.classify(callerFrame, atMs);
    const echoGateDbfs = loudestAgentDbfs - this.#echoReturnLossDb + this.#echoMarginDb;
    const callerSpeech = voice && this.#classifier.energyDbfs > echoGateDbfs;
    this.#countVoiced(callerFrame, callerSpeech, atMs);
    if (callerSpeech) this.#lastSpeechEndMs = atMs + FRAME_MS;

    const event = this.#segmenter.update(callerSpeech, atMs);
    const early = this.#early.update(callerSpeech, atMs);
    const pauser = this.#pauser?.update(callerSpeech, atMs) ?? null;
    this.#confirmer.update(callerSpeech, atMs);
    const ended = event?.type === 'speech_end' || early?.type === 'speech_end' || pauser?.type === 'speech_end';
    if (ended && !this.#segmenter.speaking && !this.#early.speaking && !(this.#pauser?.speaking ?? false)) {
      this.#reportedThisSegment = false;
      if (this.#paused === null) this.#noPauseThisSegment = false;
    }
    const evidence = this.#freshEvidence(atMs);
    const voiced = this.#voicedFrames >= this.#minVoicedFrames;
    // The service heard speech start too: one voiced frame is enough (its 60 ms start with a fricative or a stop).
    const corroboratedVoiced = this.#voicedFrames >= Math.min(1, this.#minVoicedFrames);
    const paused = this.#paused;
    if (paused !== null) {
      if (evidence !== null) paused.sttHeard = true;
      // Confirmed by a second signal: the speech went on (with a voice), or words came.
      if ((this.#confirmer.speaking && voiced) || evidence?.strong === true) return this.#confirm(paused.onsetMs, atMs);
      return null;
    }
    if (this.#reportedThisSegment || this.#ticksSinceAgentAudio >= ring.length) return null;
    const pausing = this.#pauser !== null && !this.#noPauseThisSegment;
    if (this.#segmenter.speaking && voiced) return this.#confirm(this.#segmenter.speechStartedAtMs!, atMs);
    const corroboratedOnsetMs = corroboratedVoiced ? this.#corroboratedOnset(evidence) : null;
    if (evidence?.strong === true) return this.#confirm(corroboratedOnsetMs ?? evidence.onsetMs, atMs);
    if (!pausing) return corroboratedOnsetMs === null ? null : this.#confirm(corroboratedOnsetMs, atMs);
    const pauseOnsetMs = this.#pauser.speechStartedAtMs ?? corroboratedOnsetMs;
    if (pauseOnsetMs === null) return null;
    this.#paused = { onsetMs: pauseOnsetMs, atMs: atMs + FRAME_MS, sttHeard: evidence !== null };
    this.#noPauseThisSegment = true;
    return { type: 'pause', onsetMs: pauseOnsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  /**
   * The speech-to-text service heard the caller: speech starting at `onsetMs`
   * (the call's clock), `strong` when it recognized words the agent did not say.
   */
  corroborate(onsetMs: number, strong: boolean): void {
    this.#evidence = { onsetMs, strong, arrivedAtMs: null };
  }

  /**
   * The pause just reported cannot be acted on (nothing of a turn is playing):
   * the segment is decided as without pausing.
   */
  decline(): void {
    this.#paused = null;
    this.#noPauseThisSegment = true;
  }

  /** Forgets the caller's segment and the agent's recent audio; the line's noise floor is kept. */
  reset(): void {
    this.#segmenter.reset();
    this.#early.reset();
    this.#pauser?.reset();
    this.#confirmer.reset();
    this.#evidence = null;
    this.#agentLevels.fill(SILENT_DBFS);
    this.#agentIndex = 0;
    this.#ticksSinceAgentAudio = this.#agentLevels.length;
    this.#agentAudibleSinceMs = Number.POSITIVE_INFINITY;
    this.#reportedThisSegment = false;
    this.#paused = null;
    this.#noPauseThisSegment = false;
    this.#lastSpeechEndMs = Number.NEGATIVE_INFINITY;
    this.#voicedFrames = 0;
  }

  #confirm(onsetMs: number, atMs: number): BargeInEvent {
    this.#paused = null;
    this.#reportedThisSegment = true;
    this.#evidence = null;
    return { type: 'barge_in', onsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  /**
   * Counts the voiced frames of the current stretch of gated speech; a stretch
   * is over after the gap that abandons an onset (or ends a segment).
   */
  #countVoiced(frame: Int16Array, callerSpeech: boolean, atMs: number): void {
    if (this.#minVoicedFrames === 0) return;
    this.#periodicity.push(frame);
    if (callerSpeech) {
      if (this.#periodicity.score() >= VOICED_PERIODICITY) this.#voicedFrames++;
      return;
    }
    const speaking = this.#segmenter.speaking || this.#early.speaking || (this.#pauser?.speaking ?? false) || this.#confirmer.speaking;
    if (atMs + FRAME_MS - this.#lastSpeechEndMs > (speaking ? this.#hangoverMs : this.#maxOnsetGapMs)) this.#voicedFrames = 0;
  }

  /** The onset of the early segment when the service heard speech start near it, else null. */
  #corroboratedOnset(evidence: { onsetMs: number } | null): number | null {
    const earlyOnsetMs = this.#early.speechStartedAtMs;
    if (evidence === null || earlyOnsetMs === null) return null;
    return Math.abs(evidence.onsetMs - earlyOnsetMs) <= EVIDENCE_ONSET_TOLERANCE_MS ? earlyOnsetMs : null;
  }

  /**
   * Evidence that still counts: recent, and about speech since the agent began
   * talking (not the turn it answers); during a pause the agent is silent, and
   * the evidence still counts.
   */
  #freshEvidence(atMs: number): Evidence | null {
    const evidence = this.#evidence;
    if (evidence === null) return null;
    evidence.arrivedAtMs ??= atMs;
    const silent = this.#ticksSinceAgentAudio >= this.#agentLevels.length && this.#paused === null;
    if (!silent && evidence.onsetMs >= this.#agentAudibleSinceMs && atMs - evidence.arrivedAtMs <= EVIDENCE_MAX_AGE_MS) return evidence;
    this.#evidence = null;
    return null;
  }
}
