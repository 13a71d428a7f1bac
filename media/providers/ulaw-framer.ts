// Cuts a mu-law byte stream that arrives in chunks of any size into 20 ms
// frames of exactly 160 bytes (8 kHz), carrying the remainder across chunks.
// finish() ends one utterance: its last partial frame is padded with mu-law
// silence, so every utterance starts on a frame boundary. Pure.

import { FRAME_MS } from '../audio/frame.js';
import { ULAW_SILENCE } from '../codec/g711.js';

/** One 20 ms mu-law frame at 8 kHz. */
export const ULAW_FRAME_BYTES = (8000 * FRAME_MS) / 1000;

export class UlawFramer {
  private partial = new Uint8Array(ULAW_FRAME_BYTES);
  private filled = 0;

  /** Whole frames completed by `bytes` (each a new 160-byte array). */
  push(bytes: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(ULAW_FRAME_BYTES - this.filled, bytes.length - offset);
      this.partial.set(bytes.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === ULAW_FRAME_BYTES) {
        frames.push(this.partial);
        this.partial = new Uint8Array(ULAW_FRAME_BYTES);
        this.filled = 0;
      }
    }
    return frames;
  }

  /** The last partial frame padded with silence (null when nothing is pending); the framer starts afresh. */
  finish(): Uint8Array | null {
    if (this.filled === 0) return null;
    const frame = this.partial;
    frame.fill(ULAW_SILENCE, this.filled);
    this.partial = new Uint8Array(ULAW_FRAME_BYTES);
    this.filled = 0;
    return frame;
  }

  /** Forgets the pending bytes. */
  reset(): void {
    this.filled = 0;
  }
}
