// Barge-in for one call's agent: feeds the detector (the caller's audio as it
// arrives, before the jitter buffer's delay; what the agent sent each tick;
// the speech-to-text service's evidence) and acts on what it decides. A pause
// stops the turn being heard at once and keeps it; a resume lets it go on as
// if never interrupted (the conversation machine never hears of either); a
// barge-in goes to the machine, which cancels the turn and keeps what the
// caller heard. The turn's own state (paused, what to play again) is the
// Turn's; this class only knows which turn it paused.
//
// Backchannels: with word evidence on and a backchannel list for the call's
// language, every stop is held for the caller's words (the detector's
// holdForWords): the agent goes quiet as fast as for a barge-in, the service's
// final words settle it (a backchannel resumes the turn from the start of the
// sentence being heard, anything else is the barge-in, dated at the stop),
// and a backchannel's final never reaches the machine while the agent's turn
// is being heard or held, so the history gets no caller turn for it.
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { decodeUlaw } from '../codec/g711.js';
import { BargeInDetector, type BargeInEvent } from '../conversation/barge-in.js';
import type { AgentSettings } from '../contract/sessions.js';
import type { VoiceDetectorFactory } from '../vad/voice-detector.js';
import type { ConversationEvent } from '../conversation/conversation-types.js';
import { backchannelRule, backchannelsOff, isBackchannel, type BackchannelRule } from '../conversation/backchannels.js';
import { wordsNotSaidByAgent } from '../conversation/echo-words.js';
import type { Turn } from '../conversation/turn.js';
import type { BargeInOutcome } from '../conversation/turn-metrics.js';
import type { SttEvent } from '../providers/types.js';
import type { ConversationTimings } from './ai-agent.js';

/** Audio of one caller packet (20 ms at 8 kHz). */
const ARRIVAL_FRAME_MS = 20;
/**
 * Ticks the arrivals may fall behind before the ticks fill in with silence:
 * past a sender's hiccup, nothing arriving is a caller who sends nothing
 * (silence suppression, a lost stream), and the detector must hear that
 * time pass or a segment never ends (and the next one is never reported).
 */
const ARRIVAL_STALL_FRAMES = 3;

/** Recognized words the agent did not say that make a barge-in certain while it talks. */
const STRONG_EVIDENCE_WORDS = 2;
/** ...and while it is paused: it is silent, so its echo cannot be taken for words. */
const PAUSED_EVIDENCE_WORDS = 1;
/**
 * A held stop resumed without words whose words then come this long after the
 * resume (a loaded or distant service) is still the barge-in it was.
 */
const LATE_WORDS_MAX_MS = 3_000;
/** The service's words come at most this long after its endpointing (a margin over its usual latency). */
const STT_RESULT_MARGIN_MS = 500;

export interface BargeInSettings {
  readonly minSpeechMs: number;
  /** Speech-to-text events that count as evidence (barge-in.ts). */
  readonly sttEvidence: 'off' | 'speech_started' | 'words';
  readonly sttMinSpeechMs: number;
  /** Caller speech that pauses the agent until confirmed; 0: never pause. */
  readonly pauseMinSpeechMs: number;
  /** A pause not confirmed this long resumes once the caller is quiet. */
  readonly resumeAfterMs: number;
  /** The service's end-of-speech silence: its words come after it. */
  readonly sttEndpointingMs: number;
  /** What the caller may say over the agent without taking the turn (backchannels.ts); absent: nothing. */
  readonly backchannels?: BackchannelRule | undefined;
}

/** `backchannels`: null when the call's language has none, or the business turned them off. */
export function bargeInSettings(timings: ConversationTimings, backchannels: BackchannelRule | null): BargeInSettings {
  return {
    backchannels: backchannels !== null && !backchannelsOff(backchannels) ? backchannels : undefined,
    minSpeechMs: timings.bargeInMinMs,
    sttEvidence: timings.bargeInSttEvidence,
    sttMinSpeechMs: timings.bargeInSttMinMs,
    pauseMinSpeechMs: timings.bargeInPauseMs,
    resumeAfterMs: timings.bargeInResumeMs,
    sttEndpointingMs: timings.sttEndpointingMs,
  };
}

/** The call's backchannels: the business's phrases and limit (engine settings), else the language's and the gateway's. */
export function callBackchannels(agent: AgentSettings, timings: ConversationTimings): BackchannelRule {
  const own = agent.engine !== undefined && 'backchannels' in agent.engine ? agent.engine.backchannels : undefined;
  return backchannelRule(agent.language, { phrases: own?.phrases, maxWords: own?.maxWords ?? timings.bargeInBackchannelMaxWords });
}

export interface BargeInControlDeps {
  readonly settings: BargeInSettings;
  /** The agent turn in progress, if any. */
  readonly currentTurn: () => Turn | null;
  /** Agent audio is queued or about to be. */
  readonly audible: () => boolean;
  /** What the caller heard of the turn in progress. */
  readonly heard: () => string;
  readonly bargeIn: (event: Extract<ConversationEvent, { type: 'barge_in' }>) => void;
  readonly count: (outcome: BargeInOutcome) => void;
  /** Decides per frame whether the caller's audio is voice; default: the energy classifier. */
  readonly detector?: VoiceDetectorFactory;
  /**
   * The call's clock: when a stop happened. The detector's frame times are audio times, which run
   * ahead of it when packets are handed over in a burst; absent: those.
   */
  readonly now?: () => number;
}

export class BargeInControl {
  readonly #deps: BargeInControlDeps;
  readonly #detector: BargeInDetector;
  readonly #arrivalPcm = new Int16Array(SAMPLES_PER_FRAME_8K);
  /** Audio time of the last arrived frame: frames that come in a burst are still 20 ms of audio each. */
  #lastArrivalMs = Number.NEGATIVE_INFINITY;
  readonly #agentFrame = new Int16Array(SAMPLES_PER_FRAME_8K);
  #agentFrameFresh = false;
  /** Caller audio comes on arrival: the ticks' caller frames (the jitter buffer's) are not used. */
  #onArrival = false;
  /** Frames given on arrival (and fills) and ticks since arrivals began: their gap is a stall. */
  #arrivals = 0;
  #ticks = 0;
  /** What a stalled arrival stream is heard as: nothing. */
  readonly #silence = new Int16Array(SAMPLES_PER_FRAME_8K);
  #paused: { turn: Turn; atMs: number } | null = null;
  /** Stops wait for the caller's words: a backchannel resumes the turn. */
  readonly #holding: boolean;
  /** Null when no transcript can be a backchannel. */
  readonly #backchannels: BackchannelRule | null;
  /** A held stop that resumed without words: when, and the onset of its speech. */
  #resumedUnheard: { atMs: number; onsetMs: number } | null = null;

  constructor(deps: BargeInControlDeps) {
    this.#deps = deps;
    const settings = deps.settings;
    this.#backchannels = settings.backchannels ?? null;
    this.#holding = settings.sttEvidence === 'words' && this.#backchannels !== null;
    this.#detector = new BargeInDetector({
      holdForWords: this.#holding,
      minSpeechMs: settings.minSpeechMs,
      corroboratedMinSpeechMs: settings.sttMinSpeechMs,
      pauseMinSpeechMs: settings.pauseMinSpeechMs,
      resumeAfterMs: settings.resumeAfterMs,
      // Without words to wait for, speech that lasts a barge-in's minimum confirms a pause.
      ...(settings.sttEvidence === 'words' ? {} : { pausedMinSpeechMs: settings.minSpeechMs }),
      sttQuietMs: settings.sttEndpointingMs + STT_RESULT_MARGIN_MS,
      ...(deps.detector ? { detector: deps.detector } : {}),
    });
  }

  /** The turn is paused, waiting for the barge-in to be confirmed or not. */
  get pausedTurn(): Turn | null {
    return this.#paused?.turn ?? null;
  }

  /** 20 ms of the caller's mu-law as it arrives (in sequence order, each frame once). */
  onArrival(ulaw: Uint8Array, atMs: number): void {
    if (!this.#onArrival) this.#ticks = 0;
    this.#onArrival = true;
    // A sender whose clock runs fast banks no frames: a later stall is still found at once.
    this.#arrivals = Math.min(this.#arrivals + 1, this.#ticks + 1);
    decodeUlaw(ulaw, this.#arrivalPcm);
    this.#arrived(this.#arrivalPcm, atMs);
  }

  #arrived(pcm: Int16Array, atMs: number): void {
    // Packets handed over together (a network burst, one wake-up of this thread) carry one arrival
    // time; the detector measures speech by time, so each frame is given its own 20 ms of audio.
    const frameAtMs = Math.max(atMs, this.#lastArrivalMs + ARRIVAL_FRAME_MS);
    this.#lastArrivalMs = frameAtMs;
    this.#act(this.#detector.callerFrame(pcm, frameAtMs), frameAtMs);
  }

  /** A packet of agent audio left (decoded; valid during the call only). */
  onAgentFrameSent(frame: Int16Array): void {
    this.#agentFrame.set(frame);
    this.#agentFrameFresh = true;
  }

  /** One media tick; `callerFrame` is the jitter buffer's, used only when nothing comes on arrival. */
  onTick(callerFrame: Int16Array, atMs: number): void {
    const agentFrame = this.#agentFrameFresh ? this.#agentFrame : null;
    this.#agentFrameFresh = false;
    this.#act(this.#detector.agentTick(agentFrame, atMs), atMs);
    if (!this.#onArrival) {
      this.#act(this.#detector.callerFrame(callerFrame, atMs), atMs);
      return;
    }
    this.#ticks += 1;
    if (this.#ticks - this.#arrivals <= ARRIVAL_STALL_FRAMES) return;
    this.#arrivals += 1;
    this.#arrived(this.#silence, atMs);
  }

  /**
   * An event of the speech-to-text service; true when it is a backchannel the
   * conversation must not hear (a final said over the agent's turn).
   */
  onStt(event: SttEvent): boolean {
    const mode = this.#deps.settings.sttEvidence;
    if (event.type === 'utterance_end') return false;
    if (event.type === 'speech_started') {
      if (mode !== 'off') this.#detector.corroborate(event.audioMs, false);
      return false;
    }
    const rule = this.#backchannels;
    const backchannel = rule !== null && isBackchannel(event.text, rule);
    if (event.type === 'final') {
      const held = this.#holding && this.#paused !== null && event.text.trim() !== '';
      // The words of the held stop are in: they settle it now, before the machine hears them.
      if (held) {
        const settled = this.#detector.settlePause(backchannel, event.atMs);
        if (settled?.type === 'resume') this.#resume('backchannel');
        else this.#act(settled, event.atMs);
      }
      const turnHeard = held || this.#paused !== null || this.#deps.audible();
      if (backchannel && turnHeard) return true;
      if (!held && !backchannel) this.#lateWords(event);
      // A final counts as evidence only while paused: the service may send one without interim results.
      if (this.#paused === null || held) return false;
    }
    if (mode !== 'words') return false;
    // A backchannel heard so far is speech, not yet a reason to take the turn from the agent.
    if (backchannel && this.#holding) {
      this.#detector.corroborate(event.audioStartMs, false);
      return false;
    }
    const needed = this.#paused === null ? STRONG_EVIDENCE_WORDS : PAUSED_EVIDENCE_WORDS;
    this.#detector.corroborate(event.audioStartMs, wordsNotSaidByAgent(event.text, this.#deps.heard()) >= needed);
    return false;
  }

  #act(event: BargeInEvent | null, atMs: number): void {
    if (event === null) return;
    switch (event.type) {
      case 'pause': {
        const turn = this.#deps.currentTurn();
        // Only a turn's own audio can be taken back (a filler cannot); otherwise decided without pausing.
        if (turn === null || !this.#deps.audible() || !turn.pause()) {
          // A stop held for words is a barge-in when it cannot be held.
          this.#act(this.#detector.decline(atMs), atMs);
          return;
        }
        this.#paused = { turn, atMs: this.#stopAt(atMs) };
        this.#deps.count('paused');
        return;
      }
      case 'resume':
        if (this.#holding && this.#paused !== null) this.#resumedUnheard = { atMs, onsetMs: event.onsetMs };
        this.#resume('resumed');
        return;
      case 'barge_in': {
        const paused = this.#paused;
        this.#paused = null;
        // A paused turn that ended meanwhile (a key, a caller turn) is not interrupted again.
        if (paused !== null ? paused.turn.signal.aborted : !this.#deps.audible()) return;
        this.#deps.count('confirmed');
        // The turn ends when the caller stopped hearing it: at the pause.
        this.#deps.bargeIn({ type: 'barge_in', atMs: paused?.atMs ?? this.#stopAt(atMs), onsetMs: event.onsetMs, playedText: this.#deps.heard() });
        return;
      }
    }
  }

  /** The paused turn goes on; after a backchannel (words decided it) without using up its resumes. */
  #resume(outcome: 'resumed' | 'backchannel'): void {
    const paused = this.#paused;
    this.#paused = null;
    if (paused === null || paused.turn.signal.aborted) return;
    paused.turn.resume(outcome === 'resumed');
    this.#deps.count(outcome);
  }

  /**
   * Words that are no backchannel, begun before a held stop resumed without
   * them: the caller was interrupting after all (the service was late), so the
   * turn is cut now, keeping what the caller heard of it.
   */
  #lateWords(event: Extract<SttEvent, { type: 'final' }>): void {
    const resumed = this.#resumedUnheard;
    this.#resumedUnheard = null;
    if (resumed === null || event.text.trim() === '' || !this.#deps.audible()) return;
    if (event.audioStartMs > resumed.atMs || event.atMs - resumed.atMs > LATE_WORDS_MAX_MS) return;
    this.#deps.count('confirmed');
    this.#deps.bargeIn({ type: 'barge_in', atMs: event.atMs, onsetMs: resumed.onsetMs, playedText: this.#deps.heard() });
  }

  /** When a stop decided on the frame at `atMs` happens: now, not later than the frame's audio time. */
  #stopAt(atMs: number): number {
    return Math.min(atMs, this.#deps.now?.() ?? atMs);
  }
}
