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
// Holding for words (holdForWords): a caller who says "mm-hm", "yeah" or
// "right" while the agent talks is listening, not interrupting, and a detector
// that hears only sound cannot tell. With holdForWords the stop stays as fast
// (the same speech decides it), but it is reported as a pause: recognized words
// the agent did not say confirm it (words that are only a backchannel do not:
// the caller judges them), and so does speech longer than heldMinSpeechMs (no
// backchannel lasts that long); release() resumes it when the service's final
// words were a backchannel, and without words it resumes as a pause does.
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
import { FRAME_MS } from '../audio/frame.js';
import { AgentLevels } from './agent-levels.js';
import { bargeInOptions, type BargeInEvent, type BargeInOptions } from './barge-in-options.js';
import { SpeechFrameClassifier, SpeechSegmenter } from './vad.js';
import { Periodicity } from '../vad/periodicity.js';
import type { VoiceDetector } from '../vad/voice-detector.js';

export {
  BARGE_IN_HELD_MIN_SPEECH_MS,
  BARGE_IN_MAX_PAUSE_MS,
  BARGE_IN_MIN_VOICED_FRAMES,
  BARGE_IN_PAUSE_MIN_SPEECH_MS,
  BARGE_IN_PAUSED_MIN_SPEECH_MS,
  BARGE_IN_RESUME_AFTER_MS,
  BARGE_IN_STT_QUIET_MS,
  DEFAULT_BARGE_IN_OPTIONS,
  type BargeInEvent,
  type BargeInOptions,
} from './barge-in-options.js';

/** Periodicity (periodicity.ts) from which a frame is voiced: noise stays below 0.45, vowels mostly above. */
const VOICED_PERIODICITY = 0.5;
/** How far the service's onset may lie from the local one and still be the same speech. */
const EVIDENCE_ONSET_TOLERANCE_MS = 500;
/** Evidence older than this (since it arrived) no longer counts. */
const EVIDENCE_MAX_AGE_MS = 1_500;

interface Evidence {
  onsetMs: number;
  strong: boolean;
  arrivedAtMs: number | null;
}

interface Pause {
  /** Onset of its speech. */
  readonly onsetMs: number;
  /** When it was decided. */
  readonly atMs: number;
  /** The service heard speech start (its words may follow). */
  sttHeard: boolean;
  /** The speech already qualified as a barge-in: only held for words. */
  readonly held: boolean;
}

export class BargeInDetector {
  readonly #classifier: VoiceDetector;
  readonly #segmenter: SpeechSegmenter;
  /** The same gated speech, confirmed sooner: what corroborated evidence needs. */
  readonly #early: SpeechSegmenter;
  /** The same gated speech, confirmed after pauseMinSpeechMs; null when pausing is off. */
  readonly #pauser: SpeechSegmenter | null;
  /** The sound of a pause, confirmed after pausedMinSpeechMs (heldMinSpeechMs when holding for words). */
  readonly #confirmer: SpeechSegmenter;
  readonly #holdForWords: boolean;
  readonly #resumeAfterMs: number;
  readonly #maxPauseMs: number;
  readonly #hangoverMs: number;
  readonly #sttQuietMs: number;
  #evidence: Evidence | null = null;
  readonly #echoReturnLossDb: number;
  readonly #echoMarginDb: number;
  readonly #agent: AgentLevels;
  #reportedThisSegment = false;
  /** The pause in progress. */
  #paused: Pause | null = null;
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
    const merged = bargeInOptions(options);
    this.#classifier = merged.detector?.(merged) ?? new SpeechFrameClassifier(merged);
    this.#segmenter = new SpeechSegmenter(merged);
    this.#early = new SpeechSegmenter({ ...merged, minSpeechMs: Math.min(merged.corroboratedMinSpeechMs, merged.minSpeechMs) });
    // Pausing only helps when it comes before the barge-in itself.
    const pausing = merged.pauseMinSpeechMs > 0 && merged.pauseMinSpeechMs < merged.minSpeechMs;
    this.#pauser = pausing ? new SpeechSegmenter({ ...merged, minSpeechMs: merged.pauseMinSpeechMs }) : null;
    this.#holdForWords = merged.holdForWords;
    // Holding for words, a backchannel's own length must not confirm a pause.
    const confirmMs = merged.holdForWords ? Math.max(merged.pausedMinSpeechMs, merged.heldMinSpeechMs) : merged.pausedMinSpeechMs;
    this.#confirmer = new SpeechSegmenter({ ...merged, minSpeechMs: confirmMs, maxOnsetGapMs: merged.hangoverMs });
    this.#resumeAfterMs = merged.resumeAfterMs;
    this.#maxPauseMs = merged.maxPauseMs;
    this.#hangoverMs = merged.hangoverMs;
    this.#sttQuietMs = merged.sttQuietMs;
    this.#minVoicedFrames = merged.minVoicedFrames;
    this.#maxOnsetGapMs = merged.maxOnsetGapMs;
    this.#echoReturnLossDb = merged.echoReturnLossDb;
    this.#echoMarginDb = merged.echoMarginDb;
    this.#agent = new AgentLevels(merged.echoTailMs);
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
    this.#agent.tick(agentFrame, atMs);
    const paused = this.#paused;
    if (paused === null) return null;
    const pausedForMs = atMs + FRAME_MS - paused.atMs;
    const quietMs = paused.sttHeard ? Math.max(this.#hangoverMs, this.#sttQuietMs) : this.#hangoverMs;
    const quiet = atMs + FRAME_MS - this.#lastSpeechEndMs >= quietMs;
    if (pausedForMs < this.#resumeAfterMs || !quiet) return pausedForMs >= this.#maxPauseMs ? this.#confirm(paused.onsetMs, atMs) : null;
    return this.#resume(paused, atMs);
  }

  /** One frame of the caller's audio, as it arrives; `atMs` is the media time of its first sample. */
  callerFrame(callerFrame: Int16Array, atMs: number): BargeInEvent | null {
    const voice = this.#classifier.classify(callerFrame, atMs);
    const echoGateDbfs = this.#agent.loudestDbfs() - this.#echoReturnLossDb + this.#echoMarginDb;
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
    if (this.#reportedThisSegment || !this.#agent.audible) return null;
    const pausing = this.#pauser !== null && !this.#noPauseThisSegment;
    const holding = this.#holdForWords && !this.#noPauseThisSegment;
    if (this.#segmenter.speaking && voiced) return this.#decide(this.#segmenter.speechStartedAtMs!, atMs, holding, evidence);
    const corroboratedOnsetMs = corroboratedVoiced ? this.#corroboratedOnset(evidence) : null;
    if (evidence?.strong === true) return this.#confirm(corroboratedOnsetMs ?? evidence.onsetMs, atMs);
    if (!pausing) return corroboratedOnsetMs === null ? null : this.#decide(corroboratedOnsetMs, atMs, holding, evidence);
    const pauseOnsetMs = this.#pauser.speechStartedAtMs ?? corroboratedOnsetMs;
    return pauseOnsetMs === null ? null : this.#pause(pauseOnsetMs, atMs, evidence, false);
  }

  /**
   * The speech-to-text service heard the caller: speech starting at `onsetMs`
   * (the call's clock), `strong` when it recognized words the agent did not say.
   */
  corroborate(onsetMs: number, strong: boolean): void {
    this.#evidence = { onsetMs, strong, arrivedAtMs: null };
  }

  /**
   * The service's final words of the paused speech are in: a barge-in unless
   * they were only a backchannel (then the turn resumes). Null when nothing is
   * paused. `atMs`: now, on the call's clock.
   */
  settlePause(backchannel: boolean, atMs: number): BargeInEvent | null {
    const paused = this.#paused;
    if (paused === null) return null;
    return backchannel ? this.#resume(paused, atMs - FRAME_MS) : this.#confirm(paused.onsetMs, atMs - FRAME_MS);
  }

  /**
   * The pause just reported cannot be acted on (nothing of a turn is playing):
   * the segment is decided as without pausing, so a held barge-in is one now.
   */
  decline(atMs: number): BargeInEvent | null {
    const paused = this.#paused;
    this.#paused = null;
    this.#noPauseThisSegment = true;
    return paused?.held === true ? this.#confirm(paused.onsetMs, atMs) : null;
  }

  /** Forgets the caller's segment and the agent's recent audio; the line's noise floor is kept. */
  reset(): void {
    this.#forgetSegment();
    this.#agent.reset();
    this.#reportedThisSegment = false;
    this.#lastSpeechEndMs = Number.NEGATIVE_INFINITY;
    this.#voicedFrames = 0;
  }

  /** Speech that qualified as a barge-in: one, or a pause held for words. */
  #decide(onsetMs: number, atMs: number, holding: boolean, evidence: Evidence | null): BargeInEvent {
    return holding ? this.#pause(onsetMs, atMs, evidence, true) : this.#confirm(onsetMs, atMs);
  }

  #pause(onsetMs: number, atMs: number, evidence: Evidence | null, held: boolean): BargeInEvent {
    this.#paused = { onsetMs, atMs: atMs + FRAME_MS, sttHeard: evidence !== null, held };
    this.#noPauseThisSegment = true;
    return { type: 'pause', onsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  #resume(paused: Pause, atMs: number): BargeInEvent {
    this.#forgetSegment();
    return { type: 'resume', onsetMs: paused.onsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  #confirm(onsetMs: number, atMs: number): BargeInEvent {
    this.#paused = null;
    // Reported once per segment; a pause settled after its speech ended (its words came after the
    // service's endpointing) leaves none to wait out, or the next segment would never be reported.
    this.#reportedThisSegment = this.#segmenter.speaking || this.#early.speaking || (this.#pauser?.speaking ?? false);
    this.#evidence = null;
    return { type: 'barge_in', onsetMs, decidedAtMs: atMs + FRAME_MS };
  }

  #forgetSegment(): void {
    this.#paused = null;
    this.#segmenter.reset();
    this.#early.reset();
    this.#pauser?.reset();
    this.#confirmer.reset();
    this.#evidence = null;
    this.#noPauseThisSegment = false;
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
    const silent = !this.#agent.audible && this.#paused === null;
    if (!silent && evidence.onsetMs >= this.#agent.audibleSinceMs && atMs - evidence.arrivedAtMs <= EVIDENCE_MAX_AGE_MS) return evidence;
    this.#evidence = null;
    return null;
  }
}
