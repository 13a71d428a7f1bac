// Outbound playout queue for one session: the agent's encoded 20 ms frames wait
// here until the session's tick sends them as RTP to Asterisk. Pure: no socket,
// no timer; next() is called once per 20 ms tick and writes one packet.
//
// - The stream never pauses: a tick with no agent frame sends the silence
//   payload, so Asterisk's bridge and any NAT binding see a steady 50 packets/s.
//   Sequence +1 and timestamp +samplesPerFrame on every packet, one SSRC.
// - Talk spurts (RFC 3551 section 4.1): the marker bit is set on the very first
//   packet of the stream and on the first agent frame after silence. enqueue()
//   opens a spurt; endOfSpurt() says the producer has nothing more for it, and
//   the spurt ends once its queued frames are sent. A tick inside an open spurt
//   with nothing queued sends silence and counts an underrun; the spurt carries
//   on without a new marker when frames come again.
// - Overflow policy: agent audio is never dropped silently. enqueue() refuses a
//   frame when the queue is full (returns false) and the producer waits for
//   onSpace, which fires once space frees up after a refusal (or after
//   notifyWhenSpace()). The only way queued frames are discarded is clear()
//   (barge-in), which counts them.
// - Barge-in: clear() drops everything queued and ends the spurt, so the next
//   tick sends silence without a marker, and the next agent frame starts a new
//   spurt with the marker set.
//
// Memory: one preallocated ring of capacityFrames payloads; enqueue() copies
// into it and next() copies out into the caller's packet buffer.
import { RTP_FIXED_HEADER_BYTES } from './rtp-packet.js';
import { writeRtpHeader } from './rtp-writer.js';
import { seqAdd, tsAdd } from './sequence.js';
import { requireInteger } from './require-integer.js';

export interface PlayoutQueueOptions {
  readonly ssrc: number;
  readonly initialSequence: number;
  readonly initialTimestamp: number;
  readonly payloadType: number;
  /** Encoded bytes per 20 ms frame: 160 for ulaw, 320 for slin. */
  readonly payloadBytes: number;
  /** RTP timestamp units per 20 ms frame (160 at 8 kHz). */
  readonly samplesPerFrame: number;
  readonly capacityFrames: number;
  /** Sent when no agent audio is queued (0xFF for ulaw, zeros for slin); payloadBytes long. */
  readonly silencePayload: Uint8Array;
  readonly onSpace?: () => void;
}

export interface PlayoutQueueStats {
  packetsOut: number;
  /** Payload bytes sent (headers excluded), silence included. */
  bytesOut: number;
  /** Talk spurts started (agent frames sent with the marker bit). */
  spurts: number;
  /** Ticks inside an open spurt with no agent frame queued. */
  underruns: number;
  /** Frames discarded by clear(). */
  framesCleared: number;
  queuedFrames: number;
}

export class PlayoutQueue {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly payloadBytes: number;
  readonly samplesPerFrame: number;
  readonly capacityFrames: number;
  /** Bytes next() writes: the 12-byte header plus one payload. */
  readonly packetBytes: number;
  /**
   * Called synchronously from next() or clear() when space frees up after enqueue()
   * refused a frame. It runs inside the media tick (after the packet is written):
   * keep it short and do not throw.
   */
  onSpace: (() => void) | undefined;

  readonly #ring: Buffer;
  readonly #silence: Buffer;
  readonly #header = { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
  #head = 0;
  #queued = 0;
  #sequenceNumber: number;
  #timestamp: number;
  #firstPacket = true;
  #inSpurt = false;
  #spurtOpen = false;
  #producerWaiting = false;

  #packetsOut = 0;
  #bytesOut = 0;
  #spurts = 0;
  #underruns = 0;
  #framesCleared = 0;

  constructor(options: PlayoutQueueOptions) {
    requireInteger('payloadType', options.payloadType, 0, 127);
    requireInteger('payloadBytes', options.payloadBytes, 1, 0xffff);
    requireInteger('samplesPerFrame', options.samplesPerFrame, 1, 0xffff);
    requireInteger('capacityFrames', options.capacityFrames, 1, 0xffff);
    requireInteger('ssrc', options.ssrc, 0, 0xffff_ffff);
    requireInteger('initialSequence', options.initialSequence, 0, 0xffff);
    requireInteger('initialTimestamp', options.initialTimestamp, 0, 0xffff_ffff);
    if (options.silencePayload.length !== options.payloadBytes) {
      throw new RangeError(`silencePayload must be ${options.payloadBytes} bytes, got ${options.silencePayload.length}`);
    }
    this.ssrc = options.ssrc;
    this.payloadType = options.payloadType;
    this.payloadBytes = options.payloadBytes;
    this.samplesPerFrame = options.samplesPerFrame;
    this.capacityFrames = options.capacityFrames;
    this.packetBytes = RTP_FIXED_HEADER_BYTES + options.payloadBytes;
    this.onSpace = options.onSpace;
    this.#ring = Buffer.alloc(options.capacityFrames * options.payloadBytes);
    this.#silence = Buffer.from(options.silencePayload);
    this.#sequenceNumber = options.initialSequence;
    this.#timestamp = options.initialTimestamp;
    this.#header.payloadType = options.payloadType;
    this.#header.ssrc = options.ssrc;
  }

  get queuedFrames(): number {
    return this.#queued;
  }

  get freeFrames(): number {
    return this.capacityFrames - this.#queued;
  }

  /** True from the first agent frame of a spurt until the spurt ends (underruns inside it included). */
  get playing(): boolean {
    return this.#inSpurt;
  }

  /** Sequence number of the packet the next tick sends. */
  get nextSequenceNumber(): number {
    return this.#sequenceNumber;
  }

  /** RTP timestamp of the packet the next tick sends. */
  get nextTimestamp(): number {
    return this.#timestamp;
  }

  /**
   * Copies one encoded 20 ms frame into the queue and opens a spurt (if none is
   * open). Returns false, keeping nothing, when the queue is full: wait for onSpace.
   */
  enqueue(payload: Uint8Array): boolean {
    if (payload.length !== this.payloadBytes) {
      throw new RangeError(`a frame must be ${this.payloadBytes} bytes, got ${payload.length}`);
    }
    if (this.#queued === this.capacityFrames) {
      this.#producerWaiting = true;
      return false;
    }
    const slot = (this.#head + this.#queued) % this.capacityFrames;
    this.#ring.set(payload, slot * this.payloadBytes);
    this.#queued += 1;
    this.#spurtOpen = true;
    return true;
  }

  /** The producer has nothing more for this spurt: once the queue drains it ends without underruns. */
  endOfSpurt(): void {
    this.#spurtOpen = false;
  }

  /**
   * A producer waits for room without having been refused: onSpace fires once
   * space frees up (now, if the queue is not full).
   */
  notifyWhenSpace(): void {
    this.#producerWaiting = true;
    if (this.#queued < this.capacityFrames) this.#notifySpace();
  }

  /** Barge-in: drops every queued frame and ends the spurt. Returns how many frames were dropped. */
  clear(): number {
    const dropped = this.#queued;
    this.#head = 0;
    this.#queued = 0;
    this.#framesCleared += dropped;
    this.#spurtOpen = false;
    this.#inSpurt = false;
    this.#notifySpace();
    return dropped;
  }

  /** Writes the next RTP packet (header + payload) into `out`; returns its length. Call once per tick. */
  next(out: Buffer): number {
    if (out.length < this.packetBytes) {
      throw new RangeError(`the packet buffer needs ${this.packetBytes} bytes, it has ${out.length}`);
    }
    let marker = this.#firstPacket;
    if (this.#queued > 0) {
      if (!this.#inSpurt) {
        marker = true;
        this.#inSpurt = true;
        this.#spurts += 1;
      }
      const start = this.#head * this.payloadBytes;
      this.#ring.copy(out, RTP_FIXED_HEADER_BYTES, start, start + this.payloadBytes);
      this.#head = (this.#head + 1) % this.capacityFrames;
      this.#queued -= 1;
    } else {
      if (this.#inSpurt) {
        if (this.#spurtOpen) this.#underruns += 1;
        else this.#inSpurt = false;
      }
      this.#silence.copy(out, RTP_FIXED_HEADER_BYTES);
    }
    const header = this.#header;
    header.marker = marker;
    header.sequenceNumber = this.#sequenceNumber;
    header.timestamp = this.#timestamp;
    writeRtpHeader(out, header);
    this.#firstPacket = false;
    this.#sequenceNumber = seqAdd(this.#sequenceNumber, 1);
    this.#timestamp = tsAdd(this.#timestamp, this.samplesPerFrame);
    this.#packetsOut += 1;
    this.#bytesOut += this.payloadBytes;
    if (this.#queued < this.capacityFrames) this.#notifySpace();
    return this.packetBytes;
  }

  stats(): PlayoutQueueStats {
    return {
      packetsOut: this.#packetsOut,
      bytesOut: this.#bytesOut,
      spurts: this.#spurts,
      underruns: this.#underruns,
      framesCleared: this.#framesCleared,
      queuedFrames: this.#queued,
    };
  }

  #notifySpace(): void {
    if (!this.#producerWaiting) return;
    this.#producerWaiting = false;
    this.onSpace?.();
  }
}
