// Cuts a mu-law byte stream that arrives in chunks of any size into 20 ms
// frames of exactly 160 bytes (8 kHz), carrying the remainder across chunks.
// finish() ends one utterance: its last partial frame is padded with mu-law
// silence, so every utterance starts on a frame boundary. Pure.

import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { ULAW_SILENCE } from '../codec/g711.js';
import { FrameCutter } from './frame-cutter.js';

/** One 20 ms mu-law frame at 8 kHz: a byte per sample. */
export const ULAW_FRAME_BYTES = SAMPLES_PER_FRAME_8K;

export class UlawFramer {
  readonly #cutter = new FrameCutter<Uint8Array>(ULAW_FRAME_BYTES, (length) => new Uint8Array(length));

  /** Whole frames completed by `bytes` (each a new 160-byte array). */
  push(bytes: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.#cutter.push(bytes, frames);
    return frames;
  }

  /** The last partial frame padded with silence (null when nothing is pending); the framer starts afresh. */
  finish(): Uint8Array | null {
    return this.#cutter.finish(ULAW_SILENCE);
  }

  /** Forgets the pending bytes. */
  reset(): void {
    this.#cutter.reset();
  }
}
