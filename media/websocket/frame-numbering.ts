// Turns the binary messages of a media websocket into numbered 20 ms frames for
// the session's jitter buffer. A websocket is ordered and lossless, but its
// frames still arrive with the network's and Asterisk's timing jitter, and they
// carry no sequence number or timestamp: frames are numbered here in arrival
// order (sequence +1, timestamp +samplesPerFrame, one stream id), so the jitter
// buffer absorbs that jitter and the session ticks exactly as over RTP.
//
// chan_websocket writes each frame the bridge gives its channel as one message,
// normally exactly one 20 ms frame; a message holding several frames or a part
// of one is cut or completed here. Pure: bytes in, frames out, no clock.
import type { JitterBufferPacket } from '../rtp/jitter-buffer.js';
import { seqAdd, tsAdd } from '../rtp/sequence.js';

/** The stream id the numbered frames carry (a websocket has one stream per connection). */
const STREAM_ID = 0x5753_4f4b;

export class FrameNumbering {
  readonly #frameBytes: number;
  readonly #samplesPerFrame: number;
  readonly #pending: Uint8Array;
  #pendingBytes = 0;
  #sequenceNumber = 0;
  #timestamp = 0;

  constructor(frameBytes: number, samplesPerFrame: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    this.#frameBytes = frameBytes;
    this.#samplesPerFrame = samplesPerFrame;
    this.#pending = new Uint8Array(frameBytes);
  }

  /** Bytes of an incomplete frame waiting for the next message. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Hands `deliver` each whole frame `message` completes, in order. A payload is a view of
   * `message` or of an internal buffer: valid only during the call (the jitter buffer copies it).
   * Returns the number of frames delivered.
   */
  push(message: Uint8Array, deliver: (frame: JitterBufferPacket) => void): number {
    let delivered = 0;
    let offset = 0;
    if (this.#pendingBytes > 0) {
      const take = Math.min(this.#frameBytes - this.#pendingBytes, message.length);
      this.#pending.set(message.subarray(0, take), this.#pendingBytes);
      this.#pendingBytes += take;
      offset = take;
      if (this.#pendingBytes < this.#frameBytes) return 0;
      deliver(this.#frame(this.#pending));
      delivered += 1;
      this.#pendingBytes = 0;
    }
    while (message.length - offset >= this.#frameBytes) {
      deliver(this.#frame(message.subarray(offset, offset + this.#frameBytes)));
      delivered += 1;
      offset += this.#frameBytes;
    }
    if (offset < message.length) {
      this.#pending.set(message.subarray(offset), 0);
      this.#pendingBytes = message.length - offset;
    }
    return delivered;
  }

  #frame(payload: Uint8Array): JitterBufferPacket {
    const frame = { sequenceNumber: this.#sequenceNumber, timestamp: this.#timestamp, ssrc: STREAM_ID, payload };
    this.#sequenceNumber = seqAdd(this.#sequenceNumber, 1);
    this.#timestamp = tsAdd(this.#timestamp, this.#samplesPerFrame);
    return frame;
  }
}
