// What the caller actually heard of one turn: its text segments (sentences,
// clips) with the frames queued for each, and how many frames left as RTP.
// Tells the turn when its first packet left (voice-to-voice latency), when all
// of it was heard (the turn is over), and what was heard when the caller cut in.
import type { PlayoutAccount } from './agent-output.js';
import { playedText } from './played-text.js';

export interface TurnPlayoutListener {
  /** The turn's first packet left for Asterisk. */
  firstSent(atMs: number): void;
  /** The turn ended and every frame it queued was sent (at once when it queued none). */
  drained(atMs: number): void;
}

export class TurnPlayout implements PlayoutAccount {
  readonly #listener: TurnPlayoutListener;
  readonly #segments: { text: string; frames: number }[] = [];
  #queued = 0;
  #sent = 0;
  #ended = false;
  #drained = false;

  constructor(listener: TurnPlayoutListener) {
    this.#listener = listener;
  }

  get framesQueued(): number {
    return this.#queued;
  }

  /** A text segment starts; the frames counted next belong to it. */
  beginSegment(text: string): void {
    this.#segments.push({ text, frames: 0 });
  }

  /** A frame of the current segment goes to the output. */
  countFrame(): void {
    const segment = this.#segments.at(-1);
    if (segment) segment.frames += 1;
    this.#queued += 1;
  }

  onSent(atMs: number): void {
    this.#sent += 1;
    if (this.#sent === 1) this.#listener.firstSent(atMs);
    this.#maybeDrained(atMs);
  }

  /** Nothing more will be queued; drains once what was queued is sent. */
  end(atMs: number): void {
    this.#ended = true;
    this.#maybeDrained(atMs);
  }

  /** What the caller heard so far: whole sentences, then whole words. */
  heard(): string {
    return playedText(this.#segments, this.#sent).text;
  }

  #maybeDrained(atMs: number): void {
    if (this.#drained || !this.#ended || this.#sent < this.#queued) return;
    this.#drained = true;
    this.#listener.drained(atMs);
  }
}
