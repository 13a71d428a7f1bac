// One agent turn at run time: everything it holds and how it stops.
//
// A Turn owns its AbortController (linked to the call's), its LLM rounds, the
// sentence splitting of what the LLM says, the TTS requests of those sentences,
// the accounting of what the caller actually heard, and its latency marks
// (first token, first audio, first packet: each reported once). cancel() stops
// all of it at once; an abort is not an error. Its audio is one pulled stream
// (sentences and clips in order) played through the AgentOutput.
//
// - TTS batching: the first sentence of a turn goes to TTS at once (lowest
//   latency); while one is being synthesized, the next ones wait and go as one
//   request when it is done (synthesis is faster than playback, so the caller
//   hears no gap, and a turn costs a few vendor flushes).
// - An LLM round that fails before any of its audio was queued (a dropped
//   stream, a server error) is asked again LLM_ROUND_RETRIES times; its
//   sentences not played yet are dropped first. Once the caller may have heard
//   some of it, a failure is final.
// - Pause and resume (a barge-in not yet confirmed, barge-in.ts): pause() stops
//   the audio at once (the playout queue is cleared) while the LLM and TTS go
//   on; resume() plays the sentence the caller was hearing again from its
//   start, then the rest, as if never interrupted; cancel() ends it as a
//   barge-in. A turn resumes at most MAX_RESUMES times: on a line where noise
//   keeps pausing it, later noises no longer do, so the turn gets through. A
//   resume after a backchannel ("mm-hm") is not counted: recognized words,
//   not noise, decided it, and a caller may nod along many times.
import type { Logger } from 'pino';
import { linkAbort, type LinkedAbort } from '../providers/abort-link.js';
import { AsyncQueue } from '../providers/async-queue.js';
import { LLM_RETRY_BACKOFF_MS, LLM_ROUND_RETRIES, sleep } from '../providers/provider-timing.js';
import { isRetryableFailure } from '../providers/reconnect.js';
import type { ChatMessage, LlmProvider, ToolSpec, TtsFrame } from '../providers/types.js';
import type { AgentOutput } from './agent-output.js';
import type { ConversationEvent, LlmToolCall } from './conversation-types.js';
import { SentenceSplitter } from './sentence-splitter.js';
import type { SentenceAudio, SpeechChannel } from './speech-channel.js';
import { TurnPlayout, type SegmentFrame } from './turn-playout.js';

export interface TurnDeps {
  readonly seq: number;
  /** The call's signal: the turn stops with the call. */
  readonly callSignal: AbortSignal;
  readonly llm: LlmProvider;
  readonly tools: readonly ToolSpec[];
  readonly speech: SpeechChannel;
  readonly output: AgentOutput;
  readonly now: () => number;
  readonly logger: Logger;
  /** The turn's milestones, for the conversation machine. */
  readonly emit: (event: ConversationEvent) => void;
  /** A provider failed the turn (never after cancel()). */
  readonly failed: (provider: 'llm' | 'tts', error: unknown) => void;
  /** Told of each round asked again after a failure (metrics). */
  readonly retried?: ((cause: unknown) => void) | undefined;
}

interface Round {
  /** Linked to the turn for the turn's whole life: the round's sentences outlive its LLM stream. */
  readonly abort: LinkedAbort;
  framesQueued: number;
}

/** A piece of the turn's audio: a sentence from TTS, or a cached clip. */
type Part =
  | { kind: 'sentence'; round: Round; audio: SentenceAudio }
  | { kind: 'clip'; text: string; frames: Promise<readonly TtsFrame[]> };

/** Parts queued ahead of playback at most: far more than a turn says. */
const PART_CAPACITY = 1_000;
/** Resumes after false barge-ins a turn allows; pauses after that are declined. */
export const MAX_RESUMES = 2;

const PAUSED = Symbol('paused');

interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class Turn {
  readonly seq: number;
  readonly #deps: TurnDeps;
  readonly #life: LinkedAbort;
  readonly #playout: TurnPlayout;
  readonly #parts = new AsyncQueue<Part>({ capacity: PART_CAPACITY, overflowError: () => new Error('too many parts in one turn') });
  #batched: { round: Round; text: string } | null = null;
  #synthesizing = 0;
  #finished = false;
  #firstToken = false;
  #firstAudio = false;
  /** The turn's audio as produced (parts, then their frames); counted as heard-to-be when passed on. */
  readonly #produced: AsyncGenerator<SegmentFrame>;
  /** The next produced frame, asked for and not passed on yet. */
  #pending: Promise<IteratorResult<SegmentFrame>> | null = null;
  /** Frames to play again after a resume, before anything new. */
  #replay: SegmentFrame[] = [];
  #replayIndex = 0;
  /** The pause in progress: resolved by resume() or cancel(). */
  #pause: Deferred<void> | null = null;
  /** Wakes the audio stream waiting for a produced frame when a pause begins. */
  #pauseBegins: Deferred<typeof PAUSED> | null = null;
  /** The stream ended and waits for its last frames to be heard: true on a resume (play again), false when over. */
  #afterEnd: Deferred<boolean> | null = null;
  #resumes = 0;

  constructor(deps: TurnDeps) {
    this.seq = deps.seq;
    this.#deps = deps;
    this.#life = linkAbort(deps.callSignal);
    this.#playout = new TurnPlayout({
      firstSent: (atMs) => this.#emit({ type: 'agent_audio_sent', turn: this.seq, atMs }),
      drained: (atMs) => {
        this.#afterEnd?.resolve(false);
        this.#emit({ type: 'agent_audio_done', turn: this.seq, atMs });
      },
    });
    this.#produced = this.#produce();
    void this.#speak();
  }

  /** Aborted when the turn is cancelled or the call ends. */
  get signal(): AbortSignal {
    return this.#life.signal;
  }

  /** What the caller heard of this turn so far. */
  heard(): string {
    return this.#playout.heard();
  }

  /** Asks the LLM; what it says is spoken as it streams, and the round's end goes to the machine. */
  startRound(messages: ChatMessage[]): void {
    if (this.signal.aborted) return;
    void this.#round(messages);
  }

  /** A cached clip, after what the turn said so far. */
  playClip(text: string, frames: Promise<readonly TtsFrame[]>): void {
    if (!this.signal.aborted) this.#parts.push({ kind: 'clip', text, frames });
  }

  /** Nothing more will be said: the turn is over once its audio is heard. */
  finishSpeech(): void {
    this.#finished = true;
    this.#maybeEndParts();
  }

  /** Its audio is stopped until resume() or cancel(). */
  get paused(): boolean {
    return this.#pause !== null;
  }

  /**
   * The caller may be cutting in: the audio stops at once (the playout queue
   * is cleared), the LLM and TTS go on. False (and nothing changes) when none
   * of the turn's audio is waiting to be heard, or it resumed MAX_RESUMES times.
   */
  pause(): boolean {
    if (this.signal.aborted || this.#pause !== null || this.#resumes >= MAX_RESUMES) return false;
    if (this.#playout.drained || this.#playout.unsent === 0) return false;
    this.#pause = deferred();
    this.#deps.output.clear();
    this.#pauseBegins?.resolve(PAUSED);
    return true;
  }

  /**
   * It was not an interruption: the sentence being heard plays again from its
   * start, then the rest. `counted`: false when words showed the caller was
   * only listening (it does not use up the turn's resumes).
   */
  resume(counted = true): void {
    const pause = this.#pause;
    if (pause === null || this.signal.aborted) return;
    this.#pause = null;
    if (counted) this.#resumes += 1;
    this.#replay = [...this.#playout.rewind(), ...this.#replay.slice(this.#replayIndex)];
    this.#replayIndex = 0;
    pause.resolve();
    this.#afterEnd?.resolve(true);
  }

  /**
   * Stops everything the turn holds at once (LLM, TTS, playback) and lets go
   * of the call's signal; also how a turn that is over is released. Idempotent.
   */
  cancel(): void {
    if (this.signal.aborted) return;
    this.#life.controller.abort();
    this.#life.dispose();
    this.#parts.discard();
    this.#pause?.resolve();
    this.#pauseBegins?.resolve(PAUSED);
    this.#afterEnd?.resolve(false);
  }

  #emit(event: ConversationEvent): void {
    if (!this.signal.aborted) this.#deps.emit(event);
  }

  async #round(messages: ChatMessage[]): Promise<void> {
    const { llm, tools } = this.#deps;
    for (let attempt = 0; ; attempt += 1) {
      const round: Round = { abort: linkAbort(this.signal), framesQueued: 0 };
      const splitter = new SentenceSplitter();
      let text = '';
      const toolCalls: LlmToolCall[] = [];
      try {
        for await (const event of llm.stream({ messages, tools: [...tools], signal: round.abort.signal })) {
          if (round.abort.signal.aborted) return;
          if (event.type === 'text') {
            if (!this.#firstToken) {
              this.#firstToken = true;
              this.#emit({ type: 'llm_first_token', turn: this.seq, atMs: event.atMs });
            }
            text += event.delta;
            for (const sentence of splitter.push(event.delta)) this.#say(round, sentence);
          } else if (event.type === 'tool_call') {
            toolCalls.push({ id: event.id, name: event.name, arguments: event.arguments });
          }
        }
        if (round.abort.signal.aborted) return;
        const rest = splitter.flush();
        if (rest) this.#say(round, rest);
        this.#emit({ type: 'llm_done', turn: this.seq, atMs: this.#deps.now(), text, toolCalls });
        return;
      } catch (error: unknown) {
        if (round.abort.signal.aborted) return;
        // Nothing of this round reached the caller: ask again, once.
        if (attempt < LLM_ROUND_RETRIES && round.framesQueued === 0 && isRetryableFailure(error)) {
          round.abort.controller.abort();
          if (this.#batched?.round === round) this.#batched = null;
          this.#deps.logger.warn({ err: error }, 'LLM round failed before it was heard; asking again');
          this.#deps.retried?.(error);
          if (await sleep(LLM_RETRY_BACKOFF_MS, this.signal)) continue;
          return;
        }
        this.#deps.failed('llm', error);
        return;
      }
    }
  }

  /** A sentence to say: at once when nothing is being synthesized, else batched with the next ones. */
  #say(round: Round, text: string): void {
    if (this.#synthesizing > 0) {
      this.#batched = this.#batched?.round === round ? { round, text: `${this.#batched.text} ${text}` } : { round, text };
      return;
    }
    this.#synthesizing += 1;
    const audio = this.#deps.speech.say(text, round.abort.signal);
    this.#parts.push({ kind: 'sentence', round, audio });
    void audio.synthesized.then(() => {
      this.#synthesizing -= 1;
      const batched = this.#batched;
      this.#batched = null;
      if (batched !== null && !batched.round.abort.signal.aborted) this.#say(batched.round, batched.text);
      this.#maybeEndParts();
    });
  }

  #maybeEndParts(): void {
    if (this.#finished && this.#batched === null && this.#synthesizing === 0) this.#parts.end();
  }

  /** The turn's audio as produced, part after part (not counted yet: #frames() counts what it passes on). */
  async *#produce(): AsyncGenerator<SegmentFrame> {
    for await (const part of this.#parts) {
      if (part.kind === 'clip') {
        const frames = await part.frames;
        if (this.signal.aborted) return;
        // A clip without audio still counts as heard once playback reaches it.
        if (frames.length === 0) this.#playout.beginSegment(part.text);
        for (const [index, frame] of frames.entries()) yield { frame, text: part.text, startsSegment: index === 0 };
        continue;
      }
      // A round given up for a retry left parts the caller must not hear.
      if (part.round.abort.signal.aborted) continue;
      let begun = false;
      for await (const { frame, atMs } of part.audio) {
        if (part.round.abort.signal.aborted) break;
        if (!this.#firstAudio) {
          this.#firstAudio = true;
          this.#emit({ type: 'tts_first_audio', turn: this.seq, atMs });
        }
        part.round.framesQueued += 1;
        yield { frame, text: part.audio.text, startsSegment: !begun };
        begun = true;
      }
    }
  }

  /**
   * The turn's audio as the output pulls it (as the playout queue has room):
   * nothing while paused; after a resume, the frames to play again first.
   * A frame is counted for the turn when passed on, so a rewind covers it.
   */
  async *#frames(): AsyncGenerator<TtsFrame> {
    for (;;) {
      while (this.#pause !== null && !this.signal.aborted) await this.#pause.promise;
      if (this.signal.aborted) return;
      if (this.#replayIndex < this.#replay.length) {
        yield this.#count(this.#replay[this.#replayIndex++]!);
        continue;
      }
      this.#pending ??= this.#produced.next();
      const pauseBegins = deferred<typeof PAUSED>();
      this.#pauseBegins = pauseBegins;
      const next = await Promise.race([this.#pending, pauseBegins.promise]);
      this.#pauseBegins = null;
      // Paused meanwhile: the frame (still pending) waits for the resume and what it plays again.
      if (next === PAUSED || this.#pause !== null || this.signal.aborted) continue;
      this.#pending = null;
      if (next.done) return;
      yield this.#count(next.value);
    }
  }

  #count(item: SegmentFrame): TtsFrame {
    if (item.startsSegment) this.#playout.beginSegment(item.text);
    this.#playout.countFrame(item.frame);
    return item.frame;
  }

  /**
   * Plays the stream, then waits for its end to be heard: a pause meanwhile
   * cuts that end, and its resume plays it again.
   */
  async #speak(): Promise<void> {
    try {
      for (;;) {
        await this.#deps.output.play(this.#frames(), this.#playout, this.signal);
        if (this.signal.aborted) return;
        this.#playout.end(this.#deps.now());
        if (this.#playout.drained) return;
        this.#afterEnd = deferred();
        const again = await this.#afterEnd.promise;
        this.#afterEnd = null;
        if (!again || this.signal.aborted) return;
      }
    } catch (error: unknown) {
      if (!this.signal.aborted) this.#deps.failed('tts', error);
    }
  }
}
