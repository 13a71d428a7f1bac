// The agent's outgoing audio, pulled: a source (a turn's speech, a filler
// clip) is read one frame at a time, and the next frame is taken only once the
// session's playout queue has room (`await space(signal)`), so nothing piles up
// here: what the vendor sent ahead waits in the source's own bounded stream.
//
// Sources play one after another, each whole: a source takes the output when
// its first frame is ready (a filler needed while the answer is being
// synthesized plays at once, the answer follows it) and keeps it to its end.
// Every frame handed to the playout queue is attributed to its source's
// account, so the account learns when its first packet left and how much of
// it the caller heard (turn-playout.ts).
//
// clear() drops what is queued and the frame a source is waiting to queue; the
// source is then read on (a cancelled one stops on its signal, a paused turn
// waits and plays its cut sentence again: turn.ts).
import type { AgentContext } from '../agents/agent.js';
import type { TtsFrame } from '../providers/types.js';

/** What follows a source's frames to the wire. */
export interface PlayoutAccount {
  /** One of its frames left as RTP (`atMs`: when it was sent). */
  onSent(atMs: number): void;
}

export class AgentOutput {
  readonly #context: AgentContext;
  /** Account of each frame now in the playout queue, oldest first (null: a frame no one accounts for). */
  readonly #inPlayout: (PlayoutAccount | null)[] = [];
  /** The end of the source holding the output (or of the last one waiting for it). */
  #turnOf: Promise<void> = Promise.resolve();
  /** A source holds a frame it could not queue yet (the queue is full). */
  #waitingForRoom = 0;
  /** clear() calls so far: a frame obtained before one is not queued after it. */
  #clears = 0;

  constructor(context: AgentContext) {
    this.#context = context;
  }

  /** Agent audio is queued or about to be: what the caller hears now is the agent. */
  get audible(): boolean {
    return this.#inPlayout.length > 0 || this.#waitingForRoom > 0;
  }

  /**
   * Plays `source` after the sources before it; resolves once its last frame
   * is queued, or as soon as `signal` aborts (what it queued stays queued:
   * clear() drops it). A failing source rejects after its earlier frames.
   */
  async play(source: AsyncIterable<TtsFrame> | Iterable<TtsFrame>, account: PlayoutAccount | null, signal: AbortSignal): Promise<void> {
    let release: (() => void) | null = null;
    try {
      for await (const frame of source) {
        if (signal.aborted) return;
        let clears = this.#clears;
        if (release === null) {
          release = await this.#takeTurn();
          // A clear() before the source held the output was about another source.
          clears = this.#clears;
        }
        if (signal.aborted || !(await this.#queue(frame, account, signal, clears))) return;
      }
    } finally {
      if (release !== null) {
        this.#context.endOfSpeech();
        release();
      }
    }
  }

  /** Barge-in: drops everything queued, at once. */
  clear(): void {
    this.#clears += 1;
    this.#inPlayout.length = 0;
    this.#context.clear();
  }

  /**
   * `frames` packets of agent audio left (from the session's tick), the last
   * at `atMs`. `cleared`: queued before the last clear(), which forgot them
   * already: the frames queued since are not theirs to credit.
   */
  onSent(atMs: number, cleared = false, frames = 1): void {
    if (cleared) return;
    for (let i = 0; i < frames; i += 1) this.#inPlayout.shift()?.onSent(atMs);
  }

  /** Waits for the sources ahead; resolves with the release of the output. */
  #takeTurn(): Promise<() => void> {
    const previous = this.#turnOf;
    let release!: () => void;
    this.#turnOf = new Promise<void>((resolve) => (release = resolve));
    return previous.then(() => release);
  }

  /** Queues `frame` (read when clear() had been called `clears` times); false when the source is to stop (its signal aborted, the session closed). */
  async #queue(frame: TtsFrame, account: PlayoutAccount | null, signal: AbortSignal, clears: number): Promise<boolean> {
    for (;;) {
      this.#waitingForRoom += 1;
      const room = await this.#context.space(signal).finally(() => (this.#waitingForRoom -= 1));
      if (!room) return false;
      // Cleared since the frame was read: dropped with what was queued.
      if (this.#clears !== clears) return true;
      // Tagged before it is handed over, in the order the playout queue sends.
      this.#inPlayout.push(account);
      if (frame.kind === 'ulaw' ? this.#context.playUlaw(frame.payload) : this.#context.play(frame.samples)) return true;
      // Another producer took the room first: wait again.
      this.#inPlayout.pop();
    }
  }
}
