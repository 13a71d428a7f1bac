// The media thread's side of an agent that runs on the main thread: a
// CallAgent to the session, whose callbacks become records in the events ring
// and whose audio comes out of the agent ring.
//
// The agent ring is emptied into the playout queue as far as it has room: at
// every tick (before the tick's packet is sent), when the main thread rings
// (`audio`: a talk spurt may start between ticks) and on a clear. A clear asked
// by the main thread is applied at the latest on the next tick: barge-in stops
// the agent's audio within one frame.
//
// Events ring overflow (the main thread stalled): caller audio is data and is
// dropped, counted, once only the control reserve is left; control events (the
// answer, frames sent) are never lost. One that finds the ring full is kept
// here (frames sent as a count, without their audio) and written before any
// later record, retried at every tick: the agent's account of what the caller
// heard stays whole, so its next answer is not held behind frames it believes
// are still in flight. The media thread cannot wait for room (it keeps every
// call's clock), hence keep-and-retry rather than a waiting producer.
import type { AgentContext, CallAgent } from '../agents/agent.js';
import type { FrameRing } from './frame-ring.js';
import {
  AGENT_PAYLOAD_OFFSET,
  AGENT_RING_CLEAR_BEFORE,
  AGENT_RING_CLEAR_EPOCH,
  AGENT_RING_SPACE_WANTED,
  AgentRecordKind,
  EVENT_COUNT_OFFSET,
  EVENT_EPOCH_OFFSET,
  EVENT_PCM_OFFSET,
  EVENT_RING_CONTROL_RESERVE,
  EVENT_ULAW_OFFSET,
  EventKind,
} from './media-thread-protocol.js';

export interface RingAgentOptions {
  readonly context: AgentContext;
  readonly events: FrameRing;
  readonly agent: FrameRing;
  /** An events record was written: the main thread is to read the rings. */
  readonly ring: () => void;
  /** Room freed in the agent ring while the main thread waits for it. */
  readonly space: () => void;
  /** A caller frame or packet was refused (the ring holds only its control reserve). */
  readonly dropped: () => void;
}

const epochMs = (atMs: number): number => performance.timeOrigin + atMs;

export class RingAgent implements CallAgent {
  readonly #options: RingAgentOptions;
  /** Free records below which caller audio is refused (half the ring at most, for small rings). */
  readonly #controlReserve: number;
  #clearEpoch = 0;
  #closed = false;
  /** The answer's time, while its record waits for room. */
  #answeredAtMs: number | null = null;
  /** Frames sent whose records found no room, under clear epoch #unseenEpoch; the last one left at #unseenAtMs. */
  #unseen = 0;
  #unseenEpoch = 0;
  #unseenAtMs = 0;

  constructor(options: RingAgentOptions) {
    this.#options = options;
    this.#controlReserve = Math.min(EVENT_RING_CONTROL_RESERVE, options.events.capacity >> 1);
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    this.pump();
    const slot = this.#dataSlot(EventKind.callerFrame);
    if (slot === null) return;
    slot[1] = ulaw === null ? 0 : 1;
    new DataView(slot.buffer, slot.byteOffset).setUint32(4, tick, true);
    new Int16Array(slot.buffer, slot.byteOffset + EVENT_PCM_OFFSET, frame.length).set(frame);
    if (ulaw !== null) slot.set(ulaw, EVENT_ULAW_OFFSET);
    this.#commit();
  }

  onCallerPacket(ulaw: Uint8Array): void {
    const slot = this.#dataSlot(EventKind.callerPacket);
    if (slot === null) return;
    slot.set(ulaw, EVENT_ULAW_OFFSET);
    this.#commit();
  }

  onAgentFrameSent(frame: Int16Array, atMs: number): void {
    if (this.#closed) return;
    const slot = this.#controlSlot(EventKind.agentSent);
    if (slot === null) {
      // Frames of an epoch a later clear ended are no longer the agent's to account: only the current epoch's count.
      if (this.#unseenEpoch !== this.#clearEpoch) this.#unseen = 0;
      this.#unseenEpoch = this.#clearEpoch;
      this.#unseen += 1;
      this.#unseenAtMs = atMs;
      return;
    }
    const view = new DataView(slot.buffer, slot.byteOffset);
    view.setUint32(EVENT_EPOCH_OFFSET, this.#clearEpoch >>> 0, true);
    view.setFloat64(8, epochMs(atMs), true);
    new Int16Array(slot.buffer, slot.byteOffset + EVENT_PCM_OFFSET, frame.length).set(frame);
    this.#commit();
  }

  onAnswered(atMs: number): void {
    if (this.#closed) return;
    this.#answeredAtMs = atMs;
    this.#flushControl();
  }

  /** Moves agent audio from the ring into the playout queue, after applying a pending clear. */
  pump(): void {
    if (this.#closed) return;
    const { agent, context } = this.#options;
    // Room freed by a clear counts too: a producer waiting for it (whose audio filled the ring
    // before the clear) is told, not left waiting for a frame that will never be moved.
    let moved = this.#applyClear() > 0;
    for (let slot = agent.readSlot(); slot !== null; slot = agent.readSlot()) {
      // The main thread clears and plays on while this runs. A record written after a clear is
      // seen only once that clear's epoch is visible, so a clear is applied before any later
      // record is moved: the playout clear then drops only audio from before it.
      const dropped = this.#applyClear();
      if (dropped >= 0) {
        moved ||= dropped > 0;
        continue;
      }
      const kind = slot[0];
      if (kind === AgentRecordKind.endOfSpeech) context.endOfSpeech();
      else if (context.freeFrames === 0) break;
      else if (kind === AgentRecordKind.pcm) context.play(new Int16Array(slot.buffer, slot.byteOffset + AGENT_PAYLOAD_OFFSET, 160));
      else context.playUlaw(slot.subarray(AGENT_PAYLOAD_OFFSET, AGENT_PAYLOAD_OFFSET + 160));
      agent.release();
      moved = true;
    }
    if (moved && Atomics.compareExchange(agent.header, AGENT_RING_SPACE_WANTED, 1, 0) === 1) this.#options.space();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Applies a clear asked since the last one applied: the records it dropped, or -1 when none was asked. */
  #applyClear(): number {
    const { agent, context } = this.#options;
    const epoch = Atomics.load(agent.header, AGENT_RING_CLEAR_EPOCH);
    if (epoch === this.#clearEpoch) return -1;
    this.#clearEpoch = epoch;
    const dropped = agent.dropBefore(Atomics.load(agent.header, AGENT_RING_CLEAR_BEFORE) >>> 0);
    context.clear();
    return dropped;
  }

  /** A record for caller audio: refused (counted) when only the control reserve is free, or while control events wait. */
  #dataSlot(kind: number): Uint8Array | null {
    if (this.#closed) return null;
    const events = this.#options.events;
    if (!this.#flushControl() || events.free <= this.#controlReserve) {
      this.#options.dropped();
      return null;
    }
    const slot = events.writeSlot()!;
    slot[0] = kind;
    return slot;
  }

  /** A record for a control event, after those waiting; null when the ring is full. */
  #controlSlot(kind: number): Uint8Array | null {
    if (!this.#flushControl()) return null;
    const slot = this.#options.events.writeSlot();
    if (slot !== null) slot[0] = kind;
    return slot;
  }

  /** Writes the control events kept for want of room, oldest first; true once none waits. */
  #flushControl(): boolean {
    if (this.#answeredAtMs === null && this.#unseen === 0) return true;
    const events = this.#options.events;
    const before = events.written;
    const flushed = this.#writeKept(events);
    if (events.written !== before) this.#options.ring();
    return flushed;
  }

  #writeKept(events: FrameRing): boolean {
    if (this.#answeredAtMs !== null) {
      const slot = events.writeSlot();
      if (slot === null) return false;
      slot[0] = EventKind.answered;
      new DataView(slot.buffer, slot.byteOffset).setFloat64(8, epochMs(this.#answeredAtMs), true);
      events.commit();
      this.#answeredAtMs = null;
    }
    if (this.#unseen > 0) {
      const slot = events.writeSlot();
      if (slot === null) return false;
      slot[0] = EventKind.agentSentUnseen;
      const view = new DataView(slot.buffer, slot.byteOffset);
      view.setUint32(EVENT_EPOCH_OFFSET, this.#unseenEpoch >>> 0, true);
      view.setFloat64(8, epochMs(this.#unseenAtMs), true);
      view.setUint32(EVENT_COUNT_OFFSET, this.#unseen, true);
      events.commit();
      this.#unseen = 0;
    }
    return true;
  }

  #commit(): void {
    this.#options.events.commit();
    this.#options.ring();
  }
}
