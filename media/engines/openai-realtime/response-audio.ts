// One Realtime response's spoken answer as the caller hears it: its frames on
// their way to the playout, its transcript as it streams, and the accounting
// that barge-in needs: how much of the item's audio the server sent and how
// much of it left as RTP. `heardMs` is what conversation.item.truncate's
// audio_end_ms must say (never more than the server sent).
import { AsyncQueue } from '../../providers/async-queue.js';
import type { TtsFrame } from '../../providers/types.js';

const FRAME_MS = 20;
/** Frames one answer may hold ahead of the playout: 10 minutes. */
const FRAME_CAPACITY = 30_000;

export class ResponseAudio {
  readonly responseId: string;
  readonly frames = new AsyncQueue<TtsFrame>({ capacity: FRAME_CAPACITY, overflowError: () => new Error('realtime answer too long') });
  /** The assistant message item carrying the audio (null until the first output item). */
  itemId: string | null = null;
  transcript = '';
  /** Audio the server sent for the item, ms (its own measure). */
  receivedMs = 0;
  framesQueued = 0;
  framesSent = 0;

  constructor(responseId: string) {
    this.responseId = responseId;
  }

  /** Audio of the item the caller heard, ms: what truncation keeps. */
  get heardMs(): number {
    return Math.min(Math.floor(this.receivedMs), this.framesSent * FRAME_MS);
  }

  /** Every frame the server sent has been played. */
  get fullyHeard(): boolean {
    return this.heardMs >= Math.floor(this.receivedMs);
  }

  /** The words the caller heard: the transcript's share of the audio heard, to a whole word. */
  heardText(): string {
    if (this.framesQueued === 0 || this.framesSent === 0) return '';
    if (this.framesSent >= this.framesQueued && !this.frames.open) return this.transcript.trim();
    const share = Math.min(1, this.heardMs / Math.max(1, this.receivedMs));
    const characters = Math.floor(this.transcript.length * share);
    const cut = this.transcript.slice(0, characters);
    const whole = /\s/.test(this.transcript[characters] ?? ' ') ? cut : cut.replace(/\S+$/, '');
    return whole.trim();
  }
}
