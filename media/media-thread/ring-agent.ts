// The media thread's side of an agent that runs on the main thread: a
// CallAgent to the session, whose callbacks become records in the events ring
// and whose audio comes out of the agent ring.
//
// The agent ring is emptied into the playout queue as far as it has room: at
// every tick (before the tick's packet is sent), when the main thread rings
// (`audio`: a talk spurt may start between ticks) and on a clear. A clear asked
// by the main thread is applied at the latest on the next tick: barge-in stops
// the agent's audio within one frame.
import type { AgentContext, CallAgent } from '../agents/agent.js';
import { FrameRing } from './frame-ring.js';
import {
  AGENT_PAYLOAD_OFFSET,
  AGENT_RING_CLEAR_BEFORE,
  AGENT_RING_CLEAR_EPOCH,
  AGENT_RING_SPACE_WANTED,
  AgentRecordKind,
  EVENT_PCM_OFFSET,
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
  /** An events record was refused (ring full). */
  readonly dropped: () => void;
}

const epochMs = (atMs: number): number => performance.timeOrigin + atMs;

export class RingAgent implements CallAgent {
  readonly #options: RingAgentOptions;
  #clearEpoch = 0;
  #closed = false;

  constructor(options: RingAgentOptions) {
    this.#options = options;
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    this.pump();
    const slot = this.#slot(EventKind.callerFrame);
    if (slot === null) return;
    slot[1] = ulaw === null ? 0 : 1;
    new DataView(slot.buffer, slot.byteOffset).setUint32(4, tick, true);
    new Int16Array(slot.buffer, slot.byteOffset + EVENT_PCM_OFFSET, frame.length).set(frame);
    if (ulaw !== null) slot.set(ulaw, EVENT_ULAW_OFFSET);
    this.#commit();
  }

  onCallerPacket(ulaw: Uint8Array): void {
    const slot = this.#slot(EventKind.callerPacket);
    if (slot === null) return;
    slot.set(ulaw, EVENT_ULAW_OFFSET);
    this.#commit();
  }

  onAgentFrameSent(frame: Int16Array, atMs: number): void {
    const slot = this.#slot(EventKind.agentSent);
    if (slot === null) return;
    new DataView(slot.buffer, slot.byteOffset).setFloat64(8, epochMs(atMs), true);
    new Int16Array(slot.buffer, slot.byteOffset + EVENT_PCM_OFFSET, frame.length).set(frame);
    this.#commit();
  }

  onAnswered(atMs: number): void {
    const slot = this.#slot(EventKind.answered);
    if (slot === null) return;
    new DataView(slot.buffer, slot.byteOffset).setFloat64(8, epochMs(atMs), true);
    this.#commit();
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

  #slot(kind: number): Uint8Array | null {
    if (this.#closed) return null;
    const slot = this.#options.events.writeSlot();
    if (slot === null) {
      this.#options.dropped();
      return null;
    }
    slot[0] = kind;
    return slot;
  }

  #commit(): void {
    this.#options.events.commit();
    this.#options.ring();
  }
}
