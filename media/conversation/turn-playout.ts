// What the caller actually heard of one turn: its text segments (sentences,
// clips) with the frames queued for each, and how many frames left as RTP.
// Tells the turn when its first packet left (voice-to-voice latency), when all
// of it was heard (the turn is over), and what was heard when the caller cut in.
//
// A segment's frames are kept until all of them were sent (a sentence, about
// 1 KB per second of audio), so that after a false barge-in rewind() gives the
// frames to play again, from the start of the sentence the caller was hearing
// (played-text.ts), and forgets that they were queued or heard.
import type { TtsFrame } from '../providers/types.js';
import type { PlayoutAccount } from './agent-output.js';
import { playedText, resumePoint } from './played-text.js';

export interface TurnPlayoutListener {
  /** The turn's first packet left for Asterisk (once, whatever is played again). */
  firstSent(atMs: number): void;
  /** The turn ended and every frame it queued was sent (at once when it queued none). */
  drained(atMs: number): void;
}

/** One frame of the turn's audio on its way out, with the segment it belongs to. */
export interface SegmentFrame {
  readonly frame: TtsFrame;
  readonly text: string;
  /** The first frame of its segment (begins the segment when counted). */
  readonly startsSegment: boolean;
}

interface Segment {
  readonly text: string;
  frames: number;
  /** Its frames, until every one was sent (null after). */
  kept: TtsFrame[] | null;
}

export class TurnPlayout implements PlayoutAccount {
  readonly #listener: TurnPlayoutListener;
  readonly #segments: Segment[] = [];
  #queued = 0;
  #sent = 0;
  #ended = false;
  #drained = false;
  #firstSentReported = false;
  /** Segments before this index were all sent (their frames are let go); #releasedEnd frames in all. */
  #released = 0;
  #releasedEnd = 0;

  constructor(listener: TurnPlayoutListener) {
    this.#listener = listener;
  }

  get framesQueued(): number {
    return this.#queued;
  }

  /** Frames queued and not sent yet: the caller is hearing this turn, or about to. */
  get unsent(): number {
    return this.#queued - this.#sent;
  }

  get drained(): boolean {
    return this.#drained;
  }

  /** A text segment starts; the frames counted next belong to it. */
  beginSegment(text: string): void {
    this.#segments.push({ text, frames: 0, kept: [] });
  }

  /** A frame of the current segment goes to the output. */
  countFrame(frame: TtsFrame): void {
    const segment = this.#segments.at(-1);
    if (segment) {
      segment.frames += 1;
      segment.kept?.push(frame);
    }
    this.#queued += 1;
  }

  onSent(atMs: number): void {
    this.#sent += 1;
    if (!this.#firstSentReported) {
      this.#firstSentReported = true;
      this.#listener.firstSent(atMs);
    }
    this.#release();
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

  /**
   * The frames queued since the start of the sentence being heard (in order,
   * with their segments), forgotten as queued and heard: the caller is to hear
   * them again. Not after the turn drained; undoes end().
   */
  rewind(): SegmentFrame[] {
    if (this.#drained) throw new Error('a drained turn cannot be played again');
    const point = resumePoint(this.#segments, this.#sent);
    const replay: SegmentFrame[] = [];
    for (let index = point.segment; index < this.#segments.length; index += 1) {
      const segment = this.#segments[index]!;
      const from = index === point.segment ? point.frame : 0;
      const kept = segment.kept ?? [];
      for (let i = from; i < kept.length; i += 1) replay.push({ frame: kept[i]!, text: segment.text, startsSegment: i === 0 });
    }
    const resumed = this.#segments[point.segment];
    if (resumed !== undefined && point.frame > 0) {
      resumed.frames = point.frame;
      resumed.kept!.length = point.frame;
      this.#segments.length = point.segment + 1;
    } else {
      this.#segments.length = point.segment;
    }
    this.#queued = this.#segments.reduce((sum, segment) => sum + segment.frames, 0);
    this.#sent = this.#queued;
    this.#ended = false;
    return replay;
  }

  /** Lets go of the frames of segments sent in full (never the one still being counted). */
  #release(): void {
    while (this.#released < this.#segments.length - 1) {
      const segment = this.#segments[this.#released]!;
      if (this.#releasedEnd + segment.frames > this.#sent) return;
      segment.kept = null;
      this.#releasedEnd += segment.frames;
      this.#released += 1;
    }
  }

  #maybeDrained(atMs: number): void {
    if (this.#drained || !this.#ended || this.#sent < this.#queued) return;
    this.#drained = true;
    this.#listener.drained(atMs);
  }
}
