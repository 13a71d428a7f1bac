// The main thread's side of an agent that runs there: the AgentContext the
// agent plays into (its audio goes into the agent ring, read by the media
// thread's RingAgent) and the reader of the events ring that calls the agent
// back with the caller's audio, the frames sent and the answer.
import type { Logger } from 'pino';
import type { AgentContext, CallAgent } from '../agents/agent.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import type { CreateSessionRequest } from '../contract/sessions.js';
import { RoomWaiters } from '../sessions/room-waiters.js';
import { FrameRing } from './frame-ring.js';
import {
  AGENT_PAYLOAD_OFFSET,
  AGENT_RECORD_BYTES,
  AGENT_RING_CLEAR_BEFORE,
  AGENT_RING_CLEAR_EPOCH,
  AGENT_RING_RECORDS,
  AGENT_RING_SPACE_WANTED,
  AgentRecordKind,
  EVENT_COUNT_OFFSET,
  EVENT_EPOCH_OFFSET,
  EVENT_PCM_OFFSET,
  EVENT_RECORD_BYTES,
  EVENT_RING_RECORDS,
  EVENT_ULAW_OFFSET,
  EventKind,
} from './media-thread-protocol.js';

export interface RingAgentContextOptions {
  readonly request: CreateSessionRequest;
  readonly logger: Logger;
  /** Agent audio went into an empty ring: the media thread may start a talk spurt now. */
  readonly audio: () => void;
  /** Barge-in: the media thread is to drop the queued audio now rather than on its next tick. */
  readonly clear: () => void;
  /** Ring depths in records (the protocol's by default; tests make them small). */
  readonly eventRecords?: number;
  readonly agentRecords?: number;
}

export class RingAgentContext implements AgentContext {
  /** The agent settings change when a new agent takes over the call (ThreadSession.replaceAgent). */
  request: CreateSessionRequest;
  readonly logger: Logger;
  /** RTP sessions (the only ones on the media thread) are 8 kHz: ulaw or slin. */
  readonly sampleRate = 8000 as const;
  readonly events: FrameRing;
  readonly agentRing: FrameRing;
  readonly #options: RingAgentContextOptions;
  readonly #waiters = new RoomWaiters();
  readonly #pcm = new Int16Array(SAMPLES_PER_FRAME_8K);
  readonly #ulaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  #agent: CallAgent | null = null;
  #lastWasEnd = true;
  #closed = false;

  constructor(options: RingAgentContextOptions) {
    this.request = options.request;
    this.logger = options.logger;
    this.#options = options;
    this.events = FrameRing.create(options.eventRecords ?? EVENT_RING_RECORDS, EVENT_RECORD_BYTES);
    this.agentRing = FrameRing.create(options.agentRecords ?? AGENT_RING_RECORDS, AGENT_RECORD_BYTES);
  }

  /** The agent the events go to (built by the factory from this context). */
  attach(agent: CallAgent): void {
    this.#agent = agent;
  }

  play(frame: Int16Array): boolean {
    const slot = this.#frameSlot(AgentRecordKind.pcm);
    if (slot === null) return false;
    new Int16Array(slot.buffer, slot.byteOffset + AGENT_PAYLOAD_OFFSET, SAMPLES_PER_FRAME_8K).set(frame.subarray(0, SAMPLES_PER_FRAME_8K));
    this.#publish();
    return true;
  }

  playUlaw(payload: Uint8Array): boolean {
    const slot = this.#frameSlot(AgentRecordKind.ulaw);
    if (slot === null) return false;
    slot.set(payload.subarray(0, SAMPLES_PER_FRAME_8K), AGENT_PAYLOAD_OFFSET);
    this.#publish();
    return true;
  }

  /** One record stays free for an end of speech. */
  get freeFrames(): number {
    return this.#closed ? 0 : Math.max(0, this.agentRing.free - 1);
  }

  endOfSpeech(): void {
    if (this.#closed || this.#lastWasEnd) return;
    const slot = this.agentRing.writeSlot();
    if (slot === null) return;
    slot[0] = AgentRecordKind.endOfSpeech;
    this.#lastWasEnd = true;
    this.#publish();
  }

  clear(): void {
    const header = this.agentRing.header;
    Atomics.store(header, AGENT_RING_CLEAR_BEFORE, this.agentRing.written | 0);
    Atomics.add(header, AGENT_RING_CLEAR_EPOCH, 1);
    this.#lastWasEnd = true;
    this.#options.clear();
  }

  space(signal: AbortSignal): Promise<boolean> {
    if (this.#closed || signal.aborted) return Promise.resolve(false);
    if (this.freeFrames > 0) return Promise.resolve(true);
    Atomics.store(this.agentRing.header, AGENT_RING_SPACE_WANTED, 1);
    // The media thread may have made room between the look and the flag.
    if (this.freeFrames > 0) return Promise.resolve(true);
    return this.#waiters.wait(signal);
  }

  /** The media thread made room. */
  onSpace(): void {
    this.#waiters.notify(true);
  }

  /**
   * Hands every record in the events ring to the agent, oldest first. A frame
   * sent under an older clear epoch than the last clear() asked left while
   * that clear crossed to the media thread: it reaches the agent as cleared,
   * so the agent does not credit it to the audio it queued after the clear.
   */
  drainEvents(): void {
    const agent = this.#agent;
    const events = this.events;
    for (let slot = events.readSlot(); slot !== null; slot = events.readSlot()) {
      const kind = slot[0];
      const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
      // Copies out of the shared record: it is reused once released, and the agent may keep what it is given.
      if (kind === EventKind.callerFrame || kind === EventKind.agentSent) {
        this.#pcm.set(new Int16Array(slot.buffer, slot.byteOffset + EVENT_PCM_OFFSET, SAMPLES_PER_FRAME_8K));
      }
      if (kind === EventKind.callerPacket || (kind === EventKind.callerFrame && slot[1] === 1)) {
        this.#ulaw.set(slot.subarray(EVENT_ULAW_OFFSET, EVENT_ULAW_OFFSET + SAMPLES_PER_FRAME_8K));
      }
      // The tick of a caller frame; the clear epoch of a frame sent.
      const tick = view.getUint32(EVENT_EPOCH_OFFSET, true);
      const atMs = view.getFloat64(8, true) - performance.timeOrigin;
      const hasUlaw = slot[1] === 1;
      const count = kind === EventKind.agentSentUnseen ? view.getUint32(EVENT_COUNT_OFFSET, true) : 0;
      events.release();
      // Read per record: the agent may clear() from inside this loop (a barge-in on a caller frame).
      const epoch = Atomics.load(this.agentRing.header, AGENT_RING_CLEAR_EPOCH) >>> 0;
      if (agent === null || this.#closed) continue;
      try {
        if (kind === EventKind.callerFrame) agent.onCallerFrame(this.#pcm, tick, hasUlaw ? this.#ulaw : null);
        else if (kind === EventKind.callerPacket) agent.onCallerPacket?.(this.#ulaw);
        else if (kind === EventKind.agentSent) agent.onAgentFrameSent?.(this.#pcm, atMs, tick !== epoch);
        else if (kind === EventKind.agentSentUnseen) agent.onAgentFramesUnseen?.(count, atMs, tick !== epoch);
        else if (kind === EventKind.answered) agent.onAnswered?.(atMs);
      } catch (error) {
        this.logger.error({ err: error }, 'agent failed on a media event');
      }
    }
  }

  /** The session closed: producers waiting for room go on with false. */
  close(): void {
    this.#closed = true;
    this.#waiters.notify(false);
  }

  #frameSlot(kind: number): Uint8Array | null {
    if (this.#closed || this.freeFrames === 0) return null;
    const slot = this.agentRing.writeSlot()!;
    slot[0] = kind;
    this.#lastWasEnd = false;
    return slot;
  }

  #publish(): void {
    const wasEmpty = this.agentRing.size === 0;
    this.agentRing.commit();
    if (wasEmpty) this.#options.audio();
  }
}
