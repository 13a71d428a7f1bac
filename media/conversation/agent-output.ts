// The agent's outgoing audio, turn by turn: frames wait here until the
// session's playout queue has room (backpressure: never dropped), and every
// frame sent is attributed to its turn. That tells the conversation when a
// turn's first packet left (voice-to-voice latency), when all of it was heard
// (the turn is over), and what the caller heard when they cut in.
import type { AgentContext } from '../agents/agent.js';
import type { TtsFrame } from '../providers/types.js';
import { playedText } from './played-text.js';

export interface AgentOutputListener {
  /** The first packet of `turn` left for Asterisk. */
  firstSent(turn: number, atMs: number): void;
  /** Everything of an ended turn was sent (or it ended with nothing to send). */
  drained(turn: number, atMs: number): void;
}

interface TurnAudio {
  segments: { text: string; frames: number }[];
  sent: number;
  /** Frames of this turn waiting here or in the playout queue. */
  outstanding: number;
  ended: boolean;
  cancelled: boolean;
}

interface PendingFrame {
  turn: number;
  frame: TtsFrame;
}

/** Frames that belong to no turn (the filler while an answer is prepared). */
export const NO_TURN = -1;

export class AgentOutput {
  readonly #context: AgentContext;
  readonly #listener: AgentOutputListener;
  readonly #turns = new Map<number, TurnAudio>();
  readonly #pending: PendingFrame[] = [];
  /** Turn of each frame now in the playout queue, oldest first. */
  readonly #inPlayout: number[] = [];
  #waitingForSpace = false;

  constructor(context: AgentContext, listener: AgentOutputListener) {
    this.#context = context;
    this.#listener = listener;
  }

  /** Agent audio is queued or playing: what the caller hears now is the agent. */
  get audible(): boolean {
    return this.#inPlayout.length > 0 || this.#pending.length > 0;
  }

  /** Starts a text segment of `turn` (a sentence or a clip); frames enqueued next belong to it. */
  addSegment(turn: number, text: string): void {
    this.#turn(turn).segments.push({ text, frames: 0 });
  }

  enqueue(turn: number, frame: TtsFrame): void {
    if (turn !== NO_TURN) {
      const audio = this.#turn(turn);
      if (audio.cancelled) return;
      const segment = audio.segments.at(-1);
      if (segment) segment.frames += 1;
      audio.outstanding += 1;
    }
    this.#pending.push({ turn, frame });
    this.pump();
  }

  /** No more audio will come for `turn`; it drains once what is queued was sent. */
  end(turn: number, atMs: number): void {
    const audio = this.#turn(turn);
    audio.ended = true;
    this.#maybeDrained(turn, audio, atMs);
  }

  /** Barge-in: drops everything queued here and in the playout queue, at once. */
  cancel(turn: number): void {
    const audio = this.#turns.get(turn);
    if (audio) audio.cancelled = true;
    this.#pending.length = 0;
    this.#inPlayout.length = 0;
    for (const other of this.#turns.values()) other.outstanding = 0;
    this.#context.clear();
  }

  /** What the caller heard of `turn` so far (whole sentences, then whole words). */
  heard(turn: number): string {
    const audio = this.#turns.get(turn);
    return audio ? playedText(audio.segments, audio.sent).text : '';
  }

  /** A packet of agent audio left (from the session's tick). */
  onSent(atMs: number): void {
    const turn = this.#inPlayout.shift();
    if (turn === undefined || turn === NO_TURN) return;
    const audio = this.#turns.get(turn);
    if (!audio) return;
    audio.sent += 1;
    audio.outstanding -= 1;
    if (audio.sent === 1) this.#listener.firstSent(turn, atMs);
    this.#maybeDrained(turn, audio, atMs);
  }

  forget(turn: number): void {
    this.#turns.delete(turn);
  }

  /** Moves waiting frames into the playout queue while it has room. */
  pump(): void {
    while (this.#pending.length > 0) {
      const next = this.#pending[0]!;
      // Tagged before it is handed over: the session may send it at once (a talk
      // spurt starts without waiting for its slot) and report it sent from inside play().
      this.#inPlayout.push(next.turn);
      const accepted =
        next.frame.kind === 'ulaw' ? this.#context.playUlaw(next.frame.payload) : this.#context.play(next.frame.samples);
      if (!accepted) {
        this.#inPlayout.pop();
        if (!this.#waitingForSpace) {
          this.#waitingForSpace = true;
          this.#context.onSpace(() => {
            this.#waitingForSpace = false;
            this.pump();
          });
        }
        return;
      }
      this.#pending.shift();
    }
  }

  #turn(turn: number): TurnAudio {
    let audio = this.#turns.get(turn);
    if (!audio) {
      audio = { segments: [], sent: 0, outstanding: 0, ended: false, cancelled: false };
      this.#turns.set(turn, audio);
    }
    return audio;
  }

  #maybeDrained(turn: number, audio: TurnAudio, atMs: number): void {
    if (audio.ended && !audio.cancelled && audio.outstanding === 0) {
      audio.cancelled = true; // reported once
      this.#context.endOfSpeech();
      this.#listener.drained(turn, atMs);
    }
  }
}
