// The barge-in detector's options, their defaults and the event it reports
// (barge-in.ts explains what each option decides). Validated once, when a
// detector is built.
import {
  BARGE_IN_MIN_SPEECH_MS,
  DEFAULT_HANGOVER_MS,
  DEFAULT_VAD_OPTIONS,
  type FrameClassifierOptions,
} from './vad.js';
import type { VoiceDetectorFactory } from '../vad/voice-detector.js';

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
/** Speech that confirms a stop held for words without them: "okay, right, yeah" lasts about a second. */
export const BARGE_IN_HELD_MIN_SPEECH_MS = 1_200;
/** Periodic (voiced) frames a stretch of caller sound needs before it interrupts without words. */
export const BARGE_IN_MIN_VOICED_FRAMES = 2;

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
  /**
   * Every stop waits for words (a backchannel such as "mm-hm" must not end the
   * turn): what would be a barge-in without recognized words is reported as a
   * pause, confirmed by words (or by speech longer than heldMinSpeechMs) and
   * resumed when the words were only a backchannel (release()) or none came.
   */
  readonly holdForWords: boolean;
  /** Caller speech that confirms a held stop without words: longer than any backchannel. */
  readonly heldMinSpeechMs: number;
  /** Voiced frames the caller's sound needs before it interrupts (or confirms a pause) without words; 0: any sound. */
  readonly minVoicedFrames: number;
  /** Decides per frame whether the caller's audio is voice; default: the energy classifier. */
  readonly detector?: VoiceDetectorFactory;
}

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
  holdForWords: false,
  heldMinSpeechMs: BARGE_IN_HELD_MIN_SPEECH_MS,
});

/** The options merged over the defaults; a RangeError names the first one out of range. */
export function bargeInOptions(options: Partial<BargeInOptions>): BargeInOptions {
  const merged = { ...DEFAULT_BARGE_IN_OPTIONS, ...options };
  for (const name of ['echoReturnLossDb', 'echoMarginDb', 'echoTailMs', 'pauseMinSpeechMs', 'resumeAfterMs', 'maxPauseMs', 'pausedMinSpeechMs', 'sttQuietMs', 'heldMinSpeechMs'] as const) {
    if (!Number.isFinite(merged[name])) throw new RangeError(`${name} must be a finite number, got ${merged[name]}`);
  }
  if (!Number.isInteger(merged.minVoicedFrames) || merged.minVoicedFrames < 0) throw new RangeError(`minVoicedFrames must be an integer >= 0, got ${merged.minVoicedFrames}`);
  for (const name of ['echoTailMs', 'pauseMinSpeechMs', 'resumeAfterMs', 'pausedMinSpeechMs', 'sttQuietMs', 'heldMinSpeechMs'] as const) {
    if (merged[name] < 0) throw new RangeError(`${name} must be >= 0, got ${merged[name]}`);
  }
  if (merged.maxPauseMs < merged.resumeAfterMs) throw new RangeError(`maxPauseMs must be >= resumeAfterMs, got ${merged.maxPauseMs}`);
  return merged;
}
