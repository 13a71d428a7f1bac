// Cuts a stream that arrives in chunks of any length into frames of exactly
// `frameLength` elements (mu-law bytes or PCM samples), carrying the rest
// across chunks. Pure; the framers of the TTS providers build on it.

export type FrameArray = Uint8Array | Int16Array;

export class FrameCutter<T extends FrameArray> {
  readonly #frameLength: number;
  readonly #allocate: (length: number) => T;
  #partial: T;
  #filled = 0;

  constructor(frameLength: number, allocate: (length: number) => T) {
    this.#frameLength = frameLength;
    this.#allocate = allocate;
    this.#partial = allocate(frameLength);
  }

  /** Appends `chunk`; every frame it completes (a new array each) is pushed onto `frames`. */
  push(chunk: T, frames: T[]): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.#frameLength - this.#filled, chunk.length - offset);
      this.#partial.set(chunk.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#frameLength) {
        frames.push(this.#partial);
        this.#partial = this.#allocate(this.#frameLength);
        this.#filled = 0;
      }
    }
  }

  /** The pending partial frame completed with `fill` (null when nothing is pending); cutting starts afresh. */
  finish(fill: number): T | null {
    if (this.#filled === 0) return null;
    const frame = this.#partial;
    frame.fill(fill, this.#filled);
    this.#partial = this.#allocate(this.#frameLength);
    this.#filled = 0;
    return frame;
  }

  /** Forgets the pending part (its array is reused: it was never handed out). */
  reset(): void {
    this.#filled = 0;
  }
}
