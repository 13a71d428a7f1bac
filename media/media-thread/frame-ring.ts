// A single-producer single-consumer ring of fixed-size records in a
// SharedArrayBuffer: how audio crosses between the gateway's main thread and
// its media thread without a message (or a copy into one) per frame.
//
// The header holds two monotonically increasing 32-bit counters, written (the
// producer's) and read (the consumer's); each side writes only its own, with
// Atomics, and publishes a record only after filling it, so a reader never
// sees half a record. The counters wrap at 2^32; their difference (taken
// modulo 2^32) is the fill level. A few spare header words carry per-ring
// control values that the two sides agree on (AGENT_RING_* in
// media-thread-protocol.ts).

/** Header words: written, read, then the spare control words. */
export const RING_HEADER_WORDS = 8;
const WRITTEN = 0;
const READ = 1;

export interface FrameRingShared {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  readonly recordBytes: number;
}

export class FrameRing {
  readonly shared: FrameRingShared;
  /** Int32 view of the header; spare words from index 2 on. */
  readonly header: Int32Array;
  readonly #slots: Uint8Array[];

  /** A new ring; `recordBytes` is rounded up to a multiple of 8 so typed views of every width fit a record. */
  static create(capacity: number, recordBytes: number): FrameRing {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const bytes = Math.ceil(recordBytes / 8) * 8;
    const buffer = new SharedArrayBuffer(RING_HEADER_WORDS * 4 + capacity * bytes);
    return new FrameRing({ buffer, capacity, recordBytes: bytes });
  }

  /** The other side's view of a ring made with create() (its `shared` crossed the thread boundary). */
  constructor(shared: FrameRingShared) {
    this.shared = shared;
    this.header = new Int32Array(shared.buffer, 0, RING_HEADER_WORDS);
    this.#slots = Array.from(
      { length: shared.capacity },
      (_, i) => new Uint8Array(shared.buffer, RING_HEADER_WORDS * 4 + i * shared.recordBytes, shared.recordBytes),
    );
  }

  get capacity(): number {
    return this.shared.capacity;
  }

  /** Records written so far (mod 2^32). */
  get written(): number {
    return Atomics.load(this.header, WRITTEN) >>> 0;
  }

  get size(): number {
    return ((Atomics.load(this.header, WRITTEN) - Atomics.load(this.header, READ)) >>> 0);
  }

  get free(): number {
    return this.shared.capacity - this.size;
  }

  /** Producer: the record to fill next, or null when the ring is full. Nothing is published until commit(). */
  writeSlot(): Uint8Array | null {
    if (this.size >= this.shared.capacity) return null;
    return this.#slots[(Atomics.load(this.header, WRITTEN) >>> 0) % this.shared.capacity]!;
  }

  /** Producer: publishes the record writeSlot() returned. */
  commit(): void {
    Atomics.add(this.header, WRITTEN, 1);
  }

  /** Consumer: the oldest record, or null when the ring is empty. It stays the consumer's until release(). */
  readSlot(): Uint8Array | null {
    if (this.size === 0) return null;
    return this.#slots[(Atomics.load(this.header, READ) >>> 0) % this.shared.capacity]!;
  }

  /** Consumer: frees the record readSlot() returned. */
  release(): void {
    Atomics.add(this.header, READ, 1);
  }

  /**
   * Consumer: drops every record written before the producer's count `written`
   * was taken (records read already stay read); returns how many it dropped.
   */
  dropBefore(written: number): number {
    const read = Atomics.load(this.header, READ) >>> 0;
    const behind = (written - read) | 0;
    if (behind <= 0) return 0;
    Atomics.add(this.header, READ, behind);
    return behind;
  }
}
