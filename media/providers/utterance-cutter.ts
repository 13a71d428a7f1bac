// Cuts the caller's audio into utterances for a speech-to-text server that
// transcribes whole files (/v1/audio/transcriptions): a voice detector (energy
// or Silero, the business's choice) per 20 ms frame, segmented like the turn
// VAD (UTTERANCE_MIN_SPEECH_MS of speech starts one, `endpointingMs` without
// speech ends it). Pure and synchronous: frames in, events out; the stream
// around it (self-hosted-stt.ts) does the requests.
//
// An utterance carries PRE_ROLL_MS of audio before its onset (soft onsets
// the detector missed) and TAIL_MS after its last speech frame. One longer
// than MAX_UTTERANCE_MS is cut there and goes on as the next one (a server's
// window is about 30 s; the caller's turn is not over, so the cut is not
// final). Times are ms of audio since the stream's first frame.
import { FRAME_MS } from '../audio/frame.js';
import { SpeechSegmenter } from '../conversation/vad.js';
import type { VoiceDetector } from '../vad/voice-detector.js';

/** Longest utterance sent in one request (whisper models see 30 s at a time). */
export const MAX_UTTERANCE_MS = 25_000;
/** Audio before the detected onset sent with the utterance. */
export const PRE_ROLL_MS = 300;
/** Audio after the last speech frame sent with the utterance. */
export const TAIL_MS = 150;
/** Speech needed to start an utterance: a click or a cough shorter than this is never sent. */
export const UTTERANCE_MIN_SPEECH_MS = 100;

export type CutEvent =
  | { type: 'speech_started'; audioMs: number }
  /** `final`: the caller stopped (false: cut at MAX_UTTERANCE_MS while still talking). */
  | { type: 'utterance'; pcm: Int16Array; audioStartMs: number; audioEndMs: number; final: boolean };

export interface UtteranceCutterOptions {
  readonly detector: VoiceDetector;
  /** Silence that ends an utterance. */
  readonly endpointingMs: number;
  readonly samplesPerFrame: number;
}

export class UtteranceCutter {
  readonly #detector: VoiceDetector;
  readonly #segmenter: SpeechSegmenter;
  readonly #samplesPerFrame: number;
  /** Ring of the last PRE_ROLL_MS (+ the onset confirmation) of frames, for the pre-roll. */
  readonly #history: Int16Array;
  readonly #historyFrames: number;
  #historyNext = 0;
  #historyCount = 0;
  /** The utterance's samples so far (preallocated to MAX_UTTERANCE_MS + pre-roll). */
  readonly #utterance: Int16Array;
  #length = 0;
  #startMs = 0;
  #collecting = false;
  #frames = 0;

  constructor(options: UtteranceCutterOptions) {
    this.#detector = options.detector;
    this.#segmenter = new SpeechSegmenter({ minSpeechMs: UTTERANCE_MIN_SPEECH_MS, hangoverMs: options.endpointingMs, maxOnsetGapMs: 60 });
    this.#samplesPerFrame = options.samplesPerFrame;
    this.#historyFrames = Math.ceil((PRE_ROLL_MS + UTTERANCE_MIN_SPEECH_MS + 60) / FRAME_MS) + 1;
    this.#history = new Int16Array(this.#historyFrames * this.#samplesPerFrame);
    const rate = (this.#samplesPerFrame * 1000) / FRAME_MS;
    this.#utterance = new Int16Array(Math.ceil(((MAX_UTTERANCE_MS + PRE_ROLL_MS + options.endpointingMs + FRAME_MS) * rate) / 1000));
  }

  /** Audio time of the next frame. */
  get audioMs(): number {
    return this.#frames * FRAME_MS;
  }

  push(frame: Int16Array): CutEvent[] {
    const atMs = this.#frames * FRAME_MS;
    this.#frames += 1;
    const events: CutEvent[] = [];
    const speech = this.#detector.classify(frame, atMs);
    const vad = this.#segmenter.update(speech, atMs);
    if (this.#collecting) this.#append(frame);
    if (vad?.type === 'speech_start') {
      events.push({ type: 'speech_started', audioMs: vad.atMs });
      this.#begin(Math.max(0, vad.atMs - PRE_ROLL_MS), atMs, frame);
    } else if (vad?.type === 'speech_end' && this.#collecting) {
      events.push(this.#cut(Math.min(vad.atMs + TAIL_MS, atMs + FRAME_MS), true));
    } else if (this.#collecting && atMs + FRAME_MS - this.#startMs >= MAX_UTTERANCE_MS) {
      events.push(this.#cut(atMs + FRAME_MS, false));
      // The caller goes on: the next utterance starts here, without pre-roll.
      this.#collecting = true;
      this.#startMs = atMs + FRAME_MS;
    }
    this.#remember(frame);
    return events;
  }

  /** Starts an utterance at `fromMs`, with the remembered frames since then and this one. */
  #begin(fromMs: number, atMs: number, frame: Int16Array): void {
    this.#collecting = true;
    this.#length = 0;
    const firstRemembered = atMs - this.#historyCount * FRAME_MS;
    const startMs = Math.max(fromMs, firstRemembered);
    const skip = (startMs - firstRemembered) / FRAME_MS;
    for (let i = skip; i < this.#historyCount; i += 1) {
      const slot = (this.#historyNext - this.#historyCount + i + this.#historyFrames) % this.#historyFrames;
      this.#append(this.#history.subarray(slot * this.#samplesPerFrame, (slot + 1) * this.#samplesPerFrame));
    }
    this.#append(frame);
    this.#startMs = startMs;
  }

  #cut(endMs: number, final: boolean): CutEvent {
    const rate = (this.#samplesPerFrame * 1000) / FRAME_MS;
    const samples = Math.max(0, Math.min(this.#length, Math.round(((endMs - this.#startMs) * rate) / 1000)));
    const pcm = this.#utterance.slice(0, samples);
    this.#collecting = false;
    this.#length = 0;
    return { type: 'utterance', pcm, audioStartMs: this.#startMs, audioEndMs: endMs, final };
  }

  #append(frame: Int16Array): void {
    const room = this.#utterance.length - this.#length;
    const count = Math.min(room, frame.length);
    this.#utterance.set(frame.subarray(0, count), this.#length);
    this.#length += count;
  }

  #remember(frame: Int16Array): void {
    this.#history.set(frame.subarray(0, this.#samplesPerFrame), this.#historyNext * this.#samplesPerFrame);
    this.#historyNext = (this.#historyNext + 1) % this.#historyFrames;
    this.#historyCount = Math.min(this.#historyCount + 1, this.#historyFrames);
  }
}
