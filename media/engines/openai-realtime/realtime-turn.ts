// One agent turn of a Realtime call at run time: what the caller hears of it
// (cached clips and the model's answers, in order), through the AgentOutput,
// with the accounting of each answer (response-audio.ts) and the turn's
// milestones for the conversation machine (first packet sent, all audio
// heard). cancel() stops its playback at once; the coordinator cancels the
// response and truncates the item.
import type { Logger } from 'pino';
import type { AgentOutput, PlayoutAccount } from '../../conversation/agent-output.js';
import type { ConversationEvent } from '../../conversation/conversation-types.js';
import { TurnPlayout } from '../../conversation/turn-playout.js';
import { linkAbort, type LinkedAbort } from '../../providers/abort-link.js';
import { AsyncQueue } from '../../providers/async-queue.js';
import type { TtsFrame } from '../../providers/types.js';
import type { ResponseAudio } from './response-audio.js';

export interface RealtimeTurnDeps {
  readonly seq: number;
  readonly callSignal: AbortSignal;
  readonly output: AgentOutput;
  readonly now: () => number;
  readonly logger: Logger;
  readonly emit: (event: ConversationEvent) => void;
}

type Part = { kind: 'clip'; text: string; frames: Promise<readonly TtsFrame[]> } | { kind: 'answer'; audio: ResponseAudio };

const PART_CAPACITY = 1_000;

export class RealtimeTurn implements PlayoutAccount {
  readonly seq: number;
  /** The answers of this turn (one per response: tool rounds add more). */
  readonly answers: ResponseAudio[] = [];
  readonly #deps: RealtimeTurnDeps;
  readonly #life: LinkedAbort;
  readonly #playout: TurnPlayout;
  readonly #parts = new AsyncQueue<Part>({ capacity: PART_CAPACITY, overflowError: () => new Error('too many parts in one turn') });
  /** The answer (or null for a clip) of each frame in the playout queue, oldest first. */
  readonly #inPlayout: (ResponseAudio | null)[] = [];
  #clipHeard = '';
  readonly #clipTexts: string[] = [];

  constructor(deps: RealtimeTurnDeps) {
    this.seq = deps.seq;
    this.#deps = deps;
    this.#life = linkAbort(deps.callSignal);
    this.#playout = new TurnPlayout({
      firstSent: (atMs) => this.#emit({ type: 'agent_audio_sent', turn: this.seq, atMs }),
      drained: (atMs) => this.#emit({ type: 'agent_audio_done', turn: this.seq, atMs }),
    });
    void this.#speak();
  }

  get signal(): AbortSignal {
    return this.#life.signal;
  }

  /** What the caller heard of this turn so far. */
  heard(): string {
    return [this.#clipHeard, ...this.answers.map((answer) => answer.heardText())].filter((text) => text !== '').join(' ');
  }

  /** What this turn has said so far, part by part (cached lines, then the answers' transcripts as received). */
  said(): string[] {
    return [...this.#clipTexts, ...this.answers.map((answer) => answer.transcript)];
  }

  playClip(text: string, frames: Promise<readonly TtsFrame[]>): void {
    if (this.signal.aborted) return;
    this.#clipTexts.push(text);
    this.#parts.push({ kind: 'clip', text, frames });
  }

  /** A response's audio, played after what the turn holds. */
  playAnswer(audio: ResponseAudio): void {
    if (this.signal.aborted) return;
    this.answers.push(audio);
    this.#parts.push({ kind: 'answer', audio });
  }

  /** Nothing more will be said. */
  finishSpeech(): void {
    this.#parts.end();
  }

  cancel(): void {
    if (this.signal.aborted) return;
    this.#life.controller.abort();
    this.#life.dispose();
    this.#parts.discard();
    for (const answer of this.answers) answer.frames.discard();
  }

  onSent(atMs: number): void {
    const answer = this.#inPlayout.shift();
    if (answer) answer.framesSent += 1;
    this.#playout.onSent(atMs);
  }

  #emit(event: ConversationEvent): void {
    if (!this.signal.aborted) this.#deps.emit(event);
  }

  async *#frames(): AsyncGenerator<TtsFrame> {
    for await (const part of this.#parts) {
      if (part.kind === 'clip') {
        const frames = await part.frames;
        if (this.signal.aborted) return;
        this.#playout.beginSegment(part.text);
        // A clip is short: counted as heard once queued (its words are in the history already).
        this.#clipHeard = part.text;
        for (const frame of frames) {
          this.#inPlayout.push(null);
          this.#playout.countFrame(frame);
          yield frame;
        }
        continue;
      }
      this.#playout.beginSegment('');
      for await (const frame of part.audio.frames) {
        if (this.signal.aborted) return;
        part.audio.framesQueued += 1;
        this.#inPlayout.push(part.audio);
        this.#playout.countFrame(frame);
        yield frame;
      }
    }
  }

  async #speak(): Promise<void> {
    try {
      await this.#deps.output.play(this.#frames(), this, this.signal);
    } catch (error: unknown) {
      if (!this.signal.aborted) this.#deps.logger.warn({ err: error }, 'realtime turn playback failed');
      return;
    }
    if (!this.signal.aborted) this.#playout.end(this.#deps.now());
  }
}
