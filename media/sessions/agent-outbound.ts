// The agent's side of a media session: what goes to Asterisk. The agent's
// encoded frames wait in the playout queue (one second at most; producers wait
// for room, see space()), one packet leaves per tick on the session's slot of
// the media clock, agent audio or silence, and its lateness against the slot
// is recorded. A talk spurt that starts between two ticks sends its first
// packet at once (see #startSpurtNow). Nothing here receives or records: the
// session (media-session.ts) does that with the frame each send returns.
import { randomInt } from 'node:crypto';
import type { CallAgent } from '../agents/agent.js';
import type { WireCodec } from '../codec/wire-codec.js';
import type { SessionStats } from '../contract/sessions.js';
import { PacingHistogram } from '../rtp/pacing-histogram.js';
import { PlayoutQueue } from '../rtp/playout-queue.js';
import { RoomWaiters } from './room-waiters.js';

/** One second of agent audio waits at most in the playout queue; the agent is paced by backpressure. */
const PLAYOUT_CAPACITY_FRAMES = 50;
/** Packets handed to the socket are not reused until this many ticks later. */
const OUT_BUFFERS = 8;

/** Where the session's packets go: `send` takes the whole packet (12-byte RTP header + payload). */
export interface OutboundLink {
  send(packet: Buffer): void;
}

export interface AgentOutboundInit {
  readonly codec: WireCodec;
  /** performance.now() time base, shared with the media clock. */
  readonly now: () => number;
  /** The gateway-wide pacing histogram, besides the session's own. */
  readonly gatewayPacing: PacingHistogram;
  /** The session's current agent (told of every packet of its audio that left). */
  readonly agent: () => CallAgent;
  /** The session's link; null while Asterisk's side is unknown (ticks then send nothing). */
  readonly link: () => OutboundLink | null;
  readonly closed: () => boolean;
}

export interface AgentOutboundCounters {
  readonly packetsOut: number;
  readonly bytesOut: number;
  readonly playoutUnderruns: number;
  readonly pacingErrorMs: SessionStats['pacingErrorMs'];
}

export class AgentOutbound {
  readonly playout: PlayoutQueue;
  readonly #init: AgentOutboundInit;
  readonly #pacing = new PacingHistogram();
  readonly #agentPcm: Int16Array;
  readonly #outBuffers: Buffer[];
  #outIndex = 0;
  /** Agent audio of the packet sent ahead of this slot at a spurt start (for the recording). */
  #earlyAgentFrame: Int16Array | null = null;
  /** Producers waiting for room in the playout queue. */
  readonly #spaceWaiters = new RoomWaiters();
  #spurtStartScheduled = false;
  #pacingErrorMs: SessionStats['pacingErrorMs'] | null = null;

  constructor(init: AgentOutboundInit) {
    this.#init = init;
    const { codec } = init;
    this.#agentPcm = new Int16Array(codec.samplesPerFrame);
    // RFC 3550 5.1: random initial sequence number, timestamp and SSRC.
    this.playout = new PlayoutQueue({
      ssrc: randomInt(0, 2 ** 32 - 1),
      initialSequence: randomInt(0, 0x10000),
      initialTimestamp: randomInt(0, 2 ** 32 - 1),
      payloadType: codec.payloadType,
      payloadBytes: codec.payloadBytes,
      samplesPerFrame: codec.samplesPerFrame,
      capacityFrames: PLAYOUT_CAPACITY_FRAMES,
      silencePayload: codec.silencePayload,
      onSpace: () => this.notifySpace(),
    });
    this.#outBuffers = Array.from({ length: OUT_BUFFERS }, () => Buffer.alloc(this.playout.packetBytes));
  }

  /**
   * This tick's packet (agent audio or silence) leaves, unless it left already
   * at a spurt start; returns the agent audio it carried, decoded (reused by the
   * next send), or null for silence.
   */
  tick(deadlineMs: number): Int16Array | null {
    const early = this.#earlyAgentFrame;
    if (early === null) return this.#sendNext(deadlineMs);
    // This slot's packet already left when the talk spurt started (see #startSpurtNow).
    this.#earlyAgentFrame = null;
    return early;
  }

  /** Queues one encoded frame (a first frame starts the talk spurt at once); false when the queue is full. */
  enqueue(payload: Uint8Array): boolean {
    const startsSpurt = !this.playout.playing && this.playout.queuedFrames === 0;
    const accepted = this.playout.enqueue(payload);
    if (accepted && startsSpurt && !this.#spurtStartScheduled) {
      this.#spurtStartScheduled = true;
      queueMicrotask(() => this.#startSpurtNow());
    }
    return accepted;
  }

  /** Resolves true once the playout queue can take a frame, false when `signal` aborts or the session closes. */
  space(signal: AbortSignal): Promise<boolean> {
    if (this.#init.closed() || signal.aborted) return Promise.resolve(false);
    if (this.playout.freeFrames > 0) return Promise.resolve(true);
    const waiting = this.#spaceWaiters.wait(signal);
    this.playout.notifyWhenSpace();
    return waiting;
  }

  /** Room in the playout queue (true), or the session closed or changed agent (false): waiting producers go on. */
  notifySpace(room = true): void {
    this.#spaceWaiters.notify(room);
  }

  /** Drops what the agent queued (a new agent takes over); its producers stop waiting. */
  clear(): void {
    this.playout.clear();
    this.notifySpace(false);
  }

  /**
   * The outbound figures. The pacing percentiles walk a histogram: with
   * `pacing` false they are the ones computed last.
   */
  counters(pacing: boolean): AgentOutboundCounters {
    const playout = this.playout.stats();
    if (pacing || this.#pacingErrorMs === null) {
      this.#pacingErrorMs = {
        p50: round2(this.#pacing.percentile(50)),
        p99: round2(this.#pacing.percentile(99)),
        max: round2(this.#pacing.max),
      };
    }
    return { packetsOut: playout.packetsOut, bytesOut: playout.bytesOut, playoutUnderruns: playout.underruns, pacingErrorMs: this.#pacingErrorMs };
  }

  #sendNext(deadlineMs: number): Int16Array | null {
    const out = this.#outBuffers[this.#outIndex]!;
    this.#outIndex = (this.#outIndex + 1) % OUT_BUFFERS;
    const agentAudio = this.playout.queuedFrames > 0;
    const length = this.playout.next(out);
    const link = this.#init.link();
    let sentAtMs = 0;
    if (link !== null) {
      link.send(out.subarray(0, length));
      sentAtMs = this.#init.now();
      const lateMs = Math.abs(sentAtMs - deadlineMs);
      this.#pacing.record(lateMs);
      this.#init.gatewayPacing.record(lateMs);
    }
    if (!agentAudio) return null;
    this.#init.codec.decode(out.subarray(12, length), this.#agentPcm);
    // Without a remote address yet the frame is lost, not heard; it still left the agent's queue,
    // which the agent must learn or it waits for that frame's send for the rest of the call.
    this.#init.agent().onAgentFrameSent?.(this.#agentPcm, link !== null ? sentAtMs : this.#init.now());
    return this.#agentPcm;
  }

  /**
   * The agent starts talking between two ticks: its first packet leaves at
   * once (from a microtask, so never from inside the agent's play() call, nor
   * inside a tick, which runs synchronously) instead of waiting up to 20 ms for
   * the session's slot, and that slot then sends nothing. The spurt starts less
   * than a frame early (receivers play by timestamp; a new talk spurt may start
   * at any time), the rest of it stays on the session's schedule, and the tick
   * count, the RTP timestamps and the recording's alignment are unchanged.
   */
  #startSpurtNow(): void {
    this.#spurtStartScheduled = false;
    if (this.#init.closed() || this.#init.link() === null || this.#earlyAgentFrame !== null) return;
    if (this.playout.queuedFrames === 0) return;
    const agent = this.#sendNext(this.#init.now());
    if (agent !== null) this.#earlyAgentFrame = Int16Array.from(agent);
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
