// Inbound jitter buffer for one RTP stream: absorbs arrival jitter and
// reordering, drops duplicates and late packets, and hands the scheduler
// exactly one 20 ms frame (or a gap marker) per tick. Pure: no timers, no clock.
//
// Model
// - Frames are ordered by sequence number only. Asterisk sends a continuous
//   stream (one packet per 20 ms, timestamp +samplesPerFrame), so one sequence
//   step is one frame of playout time; the RTP timestamp only feeds the RFC 3550
//   jitter estimate. A sender pause therefore shows up as an underrun.
// - The playout point `nextSeq` is the next sequence pop() will hand out. The
//   depth is the span from the playout point to the newest sequence received,
//   gaps included: that span is the latency the buffer adds, in frames.
// - Prefetch: pop() answers 'empty' until the depth reaches the prime depth,
//   then plays one frame per call. When the buffer runs dry it counts an
//   underrun and primes again before playing, so the delay is rebuilt to
//   absorb the next burst instead of underrunning on every late packet that
//   follows.
// - Adaptive prime depth (minDelayFrames < targetDelayFrames): it starts at
//   the larger of minDelayFrames and what the RFC 3550 interarrival jitter
//   calls for (JITTER_DEPTH_FACTOR x J, in frames), so a clean link plays
//   with one frame (20 ms) of delay; each underrun (a packet that arrived
//   after its tick) adds a frame, up to targetDelayFrames; after
//   DECAY_AFTER_FRAMES played without an underrun it steps back down a frame
//   (at the next prime: the delay of a stream being played is never cut).
//   minDelayFrames equal to targetDelayFrames (the default) is a fixed depth.
// - Bounded latency: a packet that would make the depth exceed maxDelayFrames
//   moves the playout point forward so the depth is targetDelayFrames again.
//   Buffered frames skipped this way count as overflowDropped, missing ones as
//   lost (they were never received in time).
// - A new SSRC, or a sequence jump beyond restartJumpFrames either way (a
//   sender restart that kept its SSRC), restarts the buffer on the new stream;
//   frames still buffered from the old one are discarded (restartDropped).
//
// Counters: received = accepted + duplicates + late, where accepted includes
// reordered packets and the first packet of each (re)started stream; lost counts
// sequence numbers the playout point passed without a packet.
//
// Memory: a fixed ring of RING_SLOTS slots indexed by sequence number, each
// owning a copy of its payload in one preallocated block (grown only if a larger
// payload arrives). Copying 160 bytes costs less than keeping the datagram: a
// datagram that dies at once costs the garbage collector nothing, one kept for
// the 60 ms of buffering survives a young-generation collection and is copied
// by it, which at thousands of calls made those pauses last milliseconds.
// pop() returns one of three preallocated result objects; its payload is the
// slot's own memory, valid until the next push().
import { FRAMES_PER_SECOND, SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { InterarrivalJitter } from './interarrival-jitter.js';
import { seqAdd, seqDiff } from './sequence.js';
import { requireInteger } from './require-integer.js';

export const RING_SLOTS = 64;
const RING_MASK = RING_SLOTS - 1;
/** 20 ms of G.711 at 8 kHz (a byte per sample); slin grows the slots on its first packet. */
const DEFAULT_SLOT_BYTES = SAMPLES_PER_FRAME_8K;

export const DEFAULT_TARGET_DELAY_FRAMES = 3;
export const DEFAULT_MAX_DELAY_FRAMES = 10;
export const DEFAULT_RESTART_JUMP_FRAMES = 100;
/** The prime depth covers this many times the RFC 3550 jitter estimate (a mean deviation). */
const JITTER_DEPTH_FACTOR = 3;
/** 10 s played without an underrun: the prime depth steps down a frame. */
const DECAY_AFTER_FRAMES = 500;

export interface JitterBufferOptions {
  /** RTP timestamp units per 20 ms frame (160 at 8 kHz). */
  readonly samplesPerFrame: number;
  /** Depth to build before playing, after start and after each underrun. Default 3 (60 ms). */
  readonly targetDelayFrames?: number;
  /**
   * Smallest prime depth of the adaptive buffer (see the header); default
   * targetDelayFrames (a fixed depth). 1 plays a clean link with 20 ms of delay.
   */
  readonly minDelayFrames?: number;
  /** Depth beyond which the oldest frames are dropped back down to the target. Default 10. */
  readonly maxDelayFrames?: number;
  /** A sequence jump larger than this (either way) is a new stream. Default 100 (2 s). */
  readonly restartJumpFrames?: number;
}

export interface JitterBufferPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Uint8Array;
}

export type JitterPushResult = 'accepted' | 'reordered' | 'duplicate' | 'late' | 'restarted';

export type JitterPopResult =
  | { readonly kind: 'audio'; readonly payload: Uint8Array; readonly sequenceNumber: number }
  | { readonly kind: 'lost'; readonly sequenceNumber: number }
  | { readonly kind: 'empty' };

export interface JitterBufferStats {
  received: number;
  accepted: number;
  reordered: number;
  duplicates: number;
  late: number;
  lost: number;
  /** Stream restarts: SSRC changes plus sequence jumps beyond restartJumpFrames. */
  restarts: number;
  ssrcChanges: number;
  overflowDropped: number;
  restartDropped: number;
  underruns: number;
  depthFrames: number;
  /** RFC 3550 interarrival jitter of the current stream, in ms. */
  jitterMs: number;
}

/** One frame of playout time: the jitter estimate is in ms. */
const FRAME_MS_OF_RING = 1000 / FRAMES_PER_SECOND;
const EMPTY_SLOT = 0;
const BUFFERED = 1;
/** Played or skipped: remembered so a copy arriving later is a duplicate, not late. */
const CONSUMED = 2;

const EMPTY: JitterPopResult = Object.freeze({ kind: 'empty' });
const NO_PAYLOAD: Uint8Array = new Uint8Array(0);

export class JitterBuffer {
  readonly samplesPerFrame: number;
  readonly targetDelayFrames: number;
  readonly minDelayFrames: number;
  readonly maxDelayFrames: number;
  readonly restartJumpFrames: number;

  /** Each slot's view of #slotMemory, as long as the payload it holds. */
  readonly #slotPayload: Uint8Array[] = new Array<Uint8Array>(RING_SLOTS).fill(NO_PAYLOAD);
  #slotMemory = new Uint8Array(RING_SLOTS * DEFAULT_SLOT_BYTES);
  #slotBytes = DEFAULT_SLOT_BYTES;
  readonly #slotSeq = new Int32Array(RING_SLOTS).fill(-1);
  readonly #slotState = new Uint8Array(RING_SLOTS);
  readonly #jitter: InterarrivalJitter;
  readonly #audioResult: { kind: 'audio'; payload: Uint8Array; sequenceNumber: number } = {
    kind: 'audio',
    payload: NO_PAYLOAD,
    sequenceNumber: 0,
  };
  readonly #lostResult: { kind: 'lost'; sequenceNumber: number } = { kind: 'lost', sequenceNumber: 0 };

  #ssrc: number | null = null;
  #nextSeq = 0;
  #highestSeq = 0;
  #playing = false;
  /** Depth to build before playing (adaptive between minDelayFrames and targetDelayFrames). */
  #primeFrames: number;
  /** Frames played since the last underrun or step down. */
  #playedSinceUnderrun = 0;
  /** False until the playout point first moves: until then an earlier packet may still move it back. */
  #playoutFixed = false;

  #received = 0;
  #accepted = 0;
  #reordered = 0;
  #duplicates = 0;
  #late = 0;
  #lost = 0;
  #restarts = 0;
  #ssrcChanges = 0;
  #overflowDropped = 0;
  #restartDropped = 0;
  #underruns = 0;

  constructor(options: JitterBufferOptions) {
    const targetDelayFrames = options.targetDelayFrames ?? DEFAULT_TARGET_DELAY_FRAMES;
    const maxDelayFrames = options.maxDelayFrames ?? DEFAULT_MAX_DELAY_FRAMES;
    const restartJumpFrames = options.restartJumpFrames ?? DEFAULT_RESTART_JUMP_FRAMES;
    requireInteger('samplesPerFrame', options.samplesPerFrame, 1);
    requireInteger('targetDelayFrames', targetDelayFrames, 1);
    const minDelayFrames = options.minDelayFrames ?? targetDelayFrames;
    requireInteger('minDelayFrames', minDelayFrames, 1, targetDelayFrames);
    // Half the ring stays behind the playout point to tell duplicates from late packets.
    requireInteger('maxDelayFrames', maxDelayFrames, targetDelayFrames, RING_SLOTS / 2);
    requireInteger('restartJumpFrames', restartJumpFrames, maxDelayFrames, 0x7fff);
    this.samplesPerFrame = options.samplesPerFrame;
    this.targetDelayFrames = targetDelayFrames;
    this.minDelayFrames = minDelayFrames;
    this.#primeFrames = minDelayFrames;
    this.maxDelayFrames = maxDelayFrames;
    this.restartJumpFrames = restartJumpFrames;
    this.#jitter = new InterarrivalJitter(options.samplesPerFrame * FRAMES_PER_SECOND);
  }

  /** SSRC of the current stream, null before the first packet. */
  get ssrc(): number | null {
    return this.#ssrc;
  }

  /** True while frames are being played (prefetch done, not underrun). */
  get playing(): boolean {
    return this.#playing;
  }

  get depthFrames(): number {
    return this.#ssrc === null ? 0 : seqDiff(this.#highestSeq, this.#nextSeq) + 1;
  }

  get jitterMs(): number {
    return this.#jitter.jitterMs;
  }

  /** The depth the buffer builds before playing, now. */
  get primeFrames(): number {
    return this.#primeFrames;
  }

  /** Takes one received packet; a kept payload is copied (the datagram may be reused at once). */
  push(packet: JitterBufferPacket, arrivalMs: number): JitterPushResult {
    this.#received += 1;
    const seq = packet.sequenceNumber & 0xffff;
    if (this.#ssrc === null || this.#ssrc !== packet.ssrc) {
      const isChange = this.#ssrc !== null;
      if (isChange) this.#ssrcChanges += 1;
      return this.#startStream(packet, seq, arrivalMs, isChange);
    }
    const ahead = seqDiff(seq, this.#nextSeq);
    if (ahead > this.restartJumpFrames || ahead < -this.restartJumpFrames) {
      return this.#startStream(packet, seq, arrivalMs, true);
    }
    const slot = seq & RING_MASK;
    const sameSeq = this.#slotSeq[slot] === seq;
    if (ahead < 0) {
      if (sameSeq && this.#slotState[slot] === CONSUMED) {
        this.#duplicates += 1;
        return 'duplicate';
      }
      this.#jitter.update(packet.timestamp, arrivalMs);
      // Before anything has played an earlier packet still fits if the depth stays bounded.
      if (!this.#playoutFixed && seqDiff(this.#highestSeq, seq) + 1 <= this.maxDelayFrames) {
        this.#nextSeq = seq;
        this.#store(slot, seq, packet.payload);
        this.#reordered += 1;
        return 'reordered';
      }
      this.#late += 1;
      return 'late';
    }
    if (sameSeq && this.#slotState[slot] === BUFFERED) {
      this.#duplicates += 1;
      return 'duplicate';
    }
    this.#jitter.update(packet.timestamp, arrivalMs);
    const isReordered = seqDiff(seq, this.#highestSeq) < 0;
    if (!isReordered) {
      if (ahead + 1 > this.maxDelayFrames) this.#advanceTo(seqAdd(seq, 1 - this.#primeFrames));
      this.#highestSeq = seq;
    }
    this.#store(slot, seq, packet.payload);
    if (!isReordered) return 'accepted';
    this.#reordered += 1;
    return 'reordered';
  }

  /** Called once per 20 ms tick: the next frame, a gap to conceal, or nothing (prefetch or underrun). */
  pop(): JitterPopResult {
    if (this.#ssrc === null) return EMPTY;
    const depth = seqDiff(this.#highestSeq, this.#nextSeq) + 1;
    if (!this.#playing) {
      if (depth < this.#primeFrames) return EMPTY;
      this.#playing = true;
    }
    if (depth <= 0) {
      this.#playing = false;
      this.#underruns += 1;
      this.#adapt(true);
      return EMPTY;
    }
    this.#adapt(false);
    const seq = this.#nextSeq;
    const slot = seq & RING_MASK;
    this.#nextSeq = seqAdd(seq, 1);
    this.#playoutFixed = true;
    if (this.#slotSeq[slot] === seq && this.#slotState[slot] === BUFFERED) {
      this.#consume(slot);
      this.#audioResult.payload = this.#slotPayload[slot]!;
      this.#audioResult.sequenceNumber = seq;
      return this.#audioResult;
    }
    // A later sequence exists (depth > 0), so this one is missing: the caller conceals.
    this.#lost += 1;
    this.#lostResult.sequenceNumber = seq;
    return this.#lostResult;
  }

  stats(): JitterBufferStats {
    return {
      received: this.#received,
      accepted: this.#accepted,
      reordered: this.#reordered,
      duplicates: this.#duplicates,
      late: this.#late,
      lost: this.#lost,
      restarts: this.#restarts,
      ssrcChanges: this.#ssrcChanges,
      overflowDropped: this.#overflowDropped,
      restartDropped: this.#restartDropped,
      underruns: this.#underruns,
      depthFrames: this.depthFrames,
      jitterMs: this.#jitter.jitterMs,
    };
  }

  #startStream(packet: JitterBufferPacket, seq: number, arrivalMs: number, isRestart: boolean): JitterPushResult {
    if (isRestart) this.#restarts += 1;
    for (let slot = 0; slot < RING_SLOTS; slot += 1) {
      if (this.#slotState[slot] === BUFFERED) this.#restartDropped += 1;
      this.#slotSeq[slot] = -1;
      this.#slotState[slot] = EMPTY_SLOT;
    }
    this.#ssrc = packet.ssrc;
    this.#nextSeq = seq;
    this.#highestSeq = seq;
    this.#playing = false;
    this.#playoutFixed = false;
    this.#primeFrames = this.minDelayFrames;
    this.#playedSinceUnderrun = 0;
    this.#jitter.reset();
    this.#jitter.update(packet.timestamp, arrivalMs);
    this.#store(seq & RING_MASK, seq, packet.payload);
    return isRestart ? 'restarted' : 'accepted';
  }

  #store(slot: number, seq: number, payload: Uint8Array): void {
    if (payload.length > this.#slotBytes) this.#growSlots(payload.length);
    let view = this.#slotPayload[slot]!;
    if (view.length !== payload.length) {
      const start = slot * this.#slotBytes;
      view = this.#slotMemory.subarray(start, start + payload.length);
      this.#slotPayload[slot] = view;
    }
    view.set(payload);
    this.#slotSeq[slot] = seq;
    this.#slotState[slot] = BUFFERED;
    this.#accepted += 1;
  }

  /** Grows the prime depth at an underrun, lets it decay after a long clean run; never below what the jitter calls for. */
  #adapt(underrun: boolean): void {
    if (this.minDelayFrames === this.targetDelayFrames) return;
    const fromJitter = Math.ceil((JITTER_DEPTH_FACTOR * this.#jitter.jitterMs) / (FRAME_MS_OF_RING));
    const floor = Math.min(this.targetDelayFrames, Math.max(this.minDelayFrames, fromJitter));
    if (underrun) {
      this.#playedSinceUnderrun = 0;
      this.#primeFrames = Math.min(this.targetDelayFrames, Math.max(floor, this.#primeFrames + 1));
      return;
    }
    this.#playedSinceUnderrun += 1;
    if (this.#playedSinceUnderrun >= DECAY_AFTER_FRAMES) {
      this.#playedSinceUnderrun = 0;
      this.#primeFrames = Math.max(floor, this.#primeFrames - 1);
    } else if (this.#primeFrames < floor) this.#primeFrames = floor;
  }

  #consume(slot: number): void {
    this.#slotState[slot] = CONSUMED;
  }

  /** New, larger slots holding the buffered payloads (a format with larger frames). */
  #growSlots(bytes: number): void {
    const memory = new Uint8Array(RING_SLOTS * bytes);
    for (let slot = 0; slot < RING_SLOTS; slot += 1) {
      const old = this.#slotPayload[slot]!;
      const view = memory.subarray(slot * bytes, slot * bytes + old.length);
      view.set(old);
      this.#slotPayload[slot] = view;
    }
    this.#slotMemory = memory;
    this.#slotBytes = bytes;
  }

  /** Moves the playout point forward to `seq`, dropping buffered frames and counting gaps on the way. */
  #advanceTo(seq: number): void {
    for (let skipped = this.#nextSeq; seqDiff(seq, skipped) > 0; skipped = seqAdd(skipped, 1)) {
      const slot = skipped & RING_MASK;
      if (this.#slotSeq[slot] === skipped && this.#slotState[slot] === BUFFERED) {
        this.#consume(slot);
        this.#overflowDropped += 1;
      } else {
        this.#lost += 1;
      }
    }
    this.#nextSeq = seq;
    this.#playoutFixed = true;
  }
}
