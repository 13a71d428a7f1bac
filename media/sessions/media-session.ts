// One call's media session: owns its link to Asterisk (RTP to Asterisk's
// address, or the call's media websocket), its jitter buffer, playout queue,
// agent and recorder, and its lifetime.
//
// Inbound: each RTP datagram from the session's remote is validated (pure) and
// pushed into the jitter buffer with its arrival time; over the websocket
// transport each 20 ms frame is (media-websocket.ts numbers the frames in
// arrival order). Every 20 ms the shared media clock calls tick(): one caller
// frame comes out of the jitter buffer (decoded, or concealed when lost), goes
// to the agent; one frame leaves the playout queue for Asterisk (agent audio or
// silence); both sides of that same tick go to the recording, so the two
// channels stay aligned by construction. The engine runs at the format's rate:
// 8 kHz for ulaw and slin, 16 kHz for slin16 (websocket only).
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  AgentSettings,
  CreateSessionRequest,
  MediaFormat,
  MediaTransport,
  RtpEndpoint,
  SessionInfo,
  SessionStats,
  WebSocketRemote,
} from '../contract/sessions.js';
import type { AgentFactory, CallAgent } from '../agents/agent.js';
import { conceal } from '../audio/concealment.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { wireCodec, type WireCodec } from '../codec/wire-codec.js';
import { encodeUlaw } from '../codec/g711.js';
import { seqDiff } from '../rtp/sequence.js';
import { SessionRecording } from '../recording/session-recording.js';
import { classifyInboundRtp, isInboundRejection, type InboundRejection } from '../rtp/inbound-rtp.js';
import { JitterBuffer, type JitterBufferPacket } from '../rtp/jitter-buffer.js';
import { PacingHistogram } from '../rtp/pacing-histogram.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../rtp/payload-formats.js';
import type { RtpReceiver } from '../rtp/rtp-demux.js';
import { PlayoutQueue } from '../rtp/playout-queue.js';
import { agentContext } from './agent-context.js';
import type { MediaClock, Tickable } from './media-clock.js';
import { RoomWaiters } from './room-waiters.js';
import type { ClosedSessionReport, SessionHandle } from './session-handle.js';

/** Sends one datagram from the gateway's RTP socket. */
export interface RtpSender {
  send(datagram: Buffer, host: string, port: number): void;
}

/** Where a session's outbound frames go once Asterisk's side is known. */
export interface MediaLink {
  /** What SessionInfo reports as the remote. */
  readonly remote: RtpEndpoint | WebSocketRemote;
  /** This tick's packet (12-byte RTP header + payload); a link carries what its transport needs of it. */
  send(packet: Buffer): void;
  /** Releases the transport (idempotent). */
  close(): void;
}

/** Frames of a websocket session's caller audio: numbered in arrival order, one per 20 ms of audio. */
export type InboundFrame = JitterBufferPacket;

export interface MediaEngine {
  readonly clock: MediaClock;
  /** performance.now() time base, shared with the clock. */
  readonly now: () => number;
  readonly agentFactory: AgentFactory;
  readonly recordings: { readonly dir: string; readonly enabled: boolean };
  /** The inbound jitter buffer's prime depth adapts between minFrames and targetFrames. */
  readonly jitter: { readonly minFrames?: number; readonly targetFrames: number; readonly maxFrames: number };
  /** Gateway-wide pacing histogram (GET /stats, /metrics). */
  readonly pacing: PacingHistogram;
  /** After every tick of a session (the media thread publishes its stats from here). */
  readonly onTicked?: (session: MediaSession, frame: number) => void;
}

export interface MediaSessionInit {
  readonly sessionId: string;
  readonly request: CreateSessionRequest;
  /** The gateway's advertised RTP address (externalMedia `external_host`). */
  readonly local: RtpEndpoint;
  readonly sender: RtpSender;
  readonly engine: MediaEngine;
  readonly logger: Logger;
  readonly createdAt: Date;
}

export type { ClosedSessionReport } from './session-handle.js';

/** One second of agent audio waits at most in the playout queue; the agent is paced by backpressure. */
const PLAYOUT_CAPACITY_FRAMES = 50;
/** Packets handed to the socket are not reused until this many ticks later. */
const OUT_BUFFERS = 8;
/** A longer gap in the arrivals is not filled (a sender pause, not loss). */
const MAX_ARRIVAL_GAP_FRAMES = 10;
/** The rate of the on-arrival audio (mu-law, as the speech-to-text takes it). */
const ARRIVAL_RATE = 8000;
/** mu-law digital silence. */
const ULAW_SILENCE = 0xff;

export class MediaSession implements RtpReceiver, Tickable, SessionHandle {
  readonly sessionId: string;
  readonly callId: string;
  readonly businessId: string;
  readonly channelId: string;
  readonly format: MediaFormat;
  readonly transport: MediaTransport;
  readonly local: RtpEndpoint;
  readonly createdAt: Date;
  readonly logger: Logger;

  readonly #engine: MediaEngine;
  readonly #payloadFormat: PayloadFormat | null;
  readonly #codec: WireCodec;
  readonly #sender: RtpSender;
  readonly #jitter: JitterBuffer;
  readonly #playout: PlayoutQueue;
  #request: CreateSessionRequest;
  #agent: CallAgent;
  readonly #pacing = new PacingHistogram();
  readonly #callerPcm: Int16Array;
  readonly #lastGoodPcm: Int16Array;
  readonly #agentPcm: Int16Array;
  readonly #outBuffers: Buffer[];
  #outIndex = 0;
  #rtpRemote: RtpEndpoint | null = null;
  #link: MediaLink | null = null;
  #answered = false;
  /** Sequence number of the last caller packet handed over on arrival; null before the first. */
  #arrivalSeq: number | null = null;
  // On-arrival audio goes to the agent at 8 kHz only: a 16 kHz session's agent hears the ticks.
  readonly #arrivalPcm = new Int16Array(SAMPLES_PER_FRAME_8K);
  readonly #arrivalUlaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  readonly #arrivalSilence = new Uint8Array(SAMPLES_PER_FRAME_8K).fill(ULAW_SILENCE);
  #recording: SessionRecording | null = null;
  #removeFromClock: (() => void) | null = null;
  #closing: Promise<ClosedSessionReport> | null = null;
  #haveLastGood = false;
  #inTick = false;
  /** Agent audio of the packet sent ahead of this slot at a spurt start (for the recording). */
  #earlyAgentFrame: Int16Array | null = null;
  /** This tick's caller payload as received, when the session is ulaw and a packet arrived. */
  #callerUlaw: Uint8Array | null = null;
  #lostRun = 0;
  #concealedFrames = 0;
  #packetsIn = 0;
  #bytesIn = 0;
  #malformed = 0;
  /** Producers waiting for room in the playout queue. */
  readonly #spaceWaiters = new RoomWaiters();
  #spurtStartScheduled = false;
  #pacingErrorMs: SessionStats['pacingErrorMs'] | null = null;

  constructor(init: MediaSessionInit) {
    this.sessionId = init.sessionId;
    this.#request = init.request;
    this.callId = init.request.callId;
    this.businessId = init.request.businessId;
    this.channelId = init.request.channelId;
    this.format = init.request.format;
    this.transport = init.request.transport;
    this.local = init.local;
    this.createdAt = init.createdAt;
    this.logger = init.logger;
    this.#engine = init.engine;
    this.#codec = wireCodec(this.format, this.transport);
    this.#payloadFormat = this.transport === 'rtp' && this.format !== 'slin16' ? PAYLOAD_FORMATS[this.format] : null;
    this.#sender = init.sender;
    const samples = this.#codec.samplesPerFrame;
    this.#callerPcm = new Int16Array(samples);
    this.#lastGoodPcm = new Int16Array(samples);
    this.#agentPcm = new Int16Array(samples);
    this.#jitter = new JitterBuffer({
      samplesPerFrame: samples,
      targetDelayFrames: init.engine.jitter.targetFrames,
      minDelayFrames: init.engine.jitter.minFrames,
      maxDelayFrames: init.engine.jitter.maxFrames,
    });
    // RFC 3550 5.1: random initial sequence number, timestamp and SSRC.
    this.#playout = new PlayoutQueue({
      ssrc: randomInt(0, 2 ** 32 - 1),
      initialSequence: randomInt(0, 0x10000),
      initialTimestamp: randomInt(0, 2 ** 32 - 1),
      payloadType: this.#codec.payloadType,
      payloadBytes: this.#codec.payloadBytes,
      samplesPerFrame: samples,
      capacityFrames: PLAYOUT_CAPACITY_FRAMES,
      silencePayload: this.#codec.silencePayload,
      onSpace: () => this.#notifySpace(),
    });
    this.#outBuffers = Array.from({ length: OUT_BUFFERS }, () => Buffer.alloc(this.#playout.packetBytes));
    this.#agent = init.engine.agentFactory(this.#agentContext());
  }

  /** The session's request as its current agent sees it (replaceAgent changes the agent settings). */
  get request(): CreateSessionRequest {
    return this.#request;
  }

  /** Asterisk's RTP address (RTP sessions), null before it is known and for websocket sessions. */
  get remote(): RtpEndpoint | null {
    return this.#rtpRemote;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /** The caller was answered (or the session never waited for it). */
  get isAnswered(): boolean {
    return this.#answered;
  }

  /**
   * RTP: records Asterisk's address. A session that does not wait for the
   * answer starts its media (ticks, recording, agent) on the first one.
   */
  useRemote(remote: RtpEndpoint): void {
    if (this.closed) return;
    const frozen = Object.freeze({ host: remote.host, port: remote.port });
    this.#rtpRemote = frozen;
    this.useLink({ remote: frozen, send: (packet) => this.#sender.send(packet, frozen.host, frozen.port), close: () => {} });
  }

  /**
   * Sends over `link` from now on; replaces (and closes) a previous link. A
   * session that does not wait for the answer starts its media on the first one.
   */
  useLink(link: MediaLink): void {
    if (this.closed) {
      link.close();
      return;
    }
    if (this.#link !== link) this.#link?.close();
    this.#link = link;
    if (this.#request.awaitAnswer !== true) this.#answered = true;
    if (this.#answered) this.#startMedia();
  }

  /**
   * The caller was answered: the media starts now and the agent is told at
   * once, so its first audio (the greeting) leaves without waiting for a tick.
   * Idempotent; before the link is known the start waits for it.
   */
  answered(): void {
    if (this.closed || this.#answered) return;
    this.#answered = true;
    if (this.#link !== null) this.#startMedia();
  }

  #startMedia(): void {
    if (this.#removeFromClock !== null) return;
    this.#removeFromClock = this.#engine.clock.add(this);
    this.#agent.onAnswered?.(this.#engine.now());
    if (this.#engine.recordings.enabled && this.#request.record) {
      this.#recording ??= new SessionRecording({
        root: this.#engine.recordings.dir,
        businessId: this.businessId,
        callId: this.callId,
        startedAt: this.createdAt,
        sampleRate: this.#codec.sampleRate,
        logger: this.logger,
      });
    }
  }

  /**
   * A new agent takes over the call with `agent` settings (e.g. back from a warm transfer
   * nobody took): the current agent is closed and what it still had queued is dropped.
   */
  replaceAgent(agent: AgentSettings): void {
    if (this.closed) return;
    const previous = this.#agent;
    this.#request = { ...this.#request, agent, announcement: null };
    this.#playout.clear();
    this.#notifySpace(false);
    this.#agent = this.#engine.agentFactory(this.#agentContext());
    // The media runs already: the new agent may speak at once.
    if (this.#removeFromClock !== null) this.#agent.onAnswered?.(this.#engine.now());
    previous.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the replaced agent failed'));
    this.logger.info('a new agent took over the session');
  }

  /** Websocket transport: one 20 ms frame of the caller's audio (media-websocket.ts numbers them). */
  receiveFrame(frame: InboundFrame, arrivalMs: number): void {
    if (this.closed) return;
    if (frame.payload.length !== this.#codec.payloadBytes) {
      this.#countMalformed('partial_sample');
      return;
    }
    this.#packetsIn += 1;
    this.#bytesIn += frame.payload.length;
    // Asterisk sends only once the channel is up: the caller's audio means they were answered.
    if (!this.#answered) this.answered();
    this.#accept(frame, arrivalMs);
  }

  receiveDatagram(datagram: Buffer, arrivalMs: number): void {
    if (this.closed || this.#payloadFormat === null) return;
    const packet = classifyInboundRtp(datagram, this.#payloadFormat);
    if (isInboundRejection(packet)) {
      this.#countMalformed(packet);
      return;
    }
    if (packet.payload.length !== this.#payloadFormat.frameBytes) {
      this.#countMalformed('partial_sample');
      return;
    }
    this.#packetsIn += 1;
    this.#bytesIn += packet.payload.length;
    // Asterisk sends only while frames flow in the bridge: the caller's audio means they were answered.
    if (!this.#answered) this.answered();
    this.#accept(packet, arrivalMs);
  }

  /** Into the jitter buffer, and to an agent that takes the caller's audio on arrival (8 kHz sessions). */
  #accept(packet: JitterBufferPacket, arrivalMs: number): void {
    const pushed = this.#jitter.push(packet, arrivalMs);
    if (pushed === 'restarted' && this.#jitter.stats().ssrcChanges > 0) {
      this.logger.info({ ssrc: packet.ssrc }, 'inbound stream restarted (new SSRC or sequence jump)');
    }
    if (
      this.#agent.onCallerPacket &&
      this.#codec.sampleRate === ARRIVAL_RATE &&
      (pushed === 'accepted' || pushed === 'reordered' || pushed === 'restarted')
    ) {
      this.#passOnArrival(packet.sequenceNumber, packet.payload, pushed === 'restarted' || this.#arrivalSeq === null);
    }
  }

  /**
   * Hands the caller's packet to the agent at once, in sequence order: a gap
   * of up to MAX_ARRIVAL_GAP_FRAMES is filled with silence (the consumer's
   * audio clock stays the caller's), a packet older than one passed on is left
   * out (it is still played from the jitter buffer).
   */
  #passOnArrival(sequenceNumber: number, payload: Uint8Array, restart: boolean): void {
    const agent = this.#agent;
    if (!restart) {
      const ahead = seqDiff(sequenceNumber, this.#arrivalSeq!);
      if (ahead <= 0) return;
      for (let gap = Math.min(ahead - 1, MAX_ARRIVAL_GAP_FRAMES); gap > 0; gap -= 1) agent.onCallerPacket!(this.#arrivalSilence);
    }
    this.#arrivalSeq = sequenceNumber;
    if (this.format === 'ulaw') {
      agent.onCallerPacket!(payload);
      return;
    }
    this.#codec.decode(payload, this.#arrivalPcm);
    encodeUlaw(this.#arrivalPcm, this.#arrivalUlaw);
    agent.onCallerPacket!(this.#arrivalUlaw);
  }

  tick(frame: number, deadlineMs: number): void {
    if (this.closed) return;
    this.#inTick = true;
    try {
      const caller = this.#nextCallerFrame();
      this.#agent.onCallerFrame(caller ?? this.#callerPcm.fill(0), frame, this.#callerUlaw);
      let agent: Int16Array | null;
      if (this.#earlyAgentFrame !== null) {
        // This slot's packet already left when the talk spurt started (see #startSpurtNow).
        agent = this.#earlyAgentFrame;
        this.#earlyAgentFrame = null;
      } else {
        agent = this.#sendNext(deadlineMs);
      }
      this.#recording?.writeFrame(caller, agent);
    } finally {
      this.#inTick = false;
    }
    this.#engine.onTicked?.(this, frame);
  }

  /**
   * Sends the next packet (agent audio or silence) and returns the agent audio
   * it carried, decoded, or null for silence.
   */
  #sendNext(deadlineMs: number): Int16Array | null {
    const out = this.#outBuffers[this.#outIndex]!;
    this.#outIndex = (this.#outIndex + 1) % OUT_BUFFERS;
    const agentAudio = this.#playout.queuedFrames > 0;
    const length = this.#playout.next(out);
    const link = this.#link;
    let sentAtMs = 0;
    if (link !== null) {
      link.send(out.subarray(0, length));
      sentAtMs = this.#engine.now();
      const lateMs = Math.abs(sentAtMs - deadlineMs);
      this.#pacing.record(lateMs);
      this.#engine.pacing.record(lateMs);
    }
    if (!agentAudio) return null;
    this.#codec.decode(out.subarray(12, length), this.#agentPcm);
    if (link !== null) this.#agent.onAgentFrameSent?.(this.#agentPcm, sentAtMs);
    return this.#agentPcm;
  }

  /**
   * The agent starts talking between two ticks: its first packet leaves at
   * once (from a microtask, so never from inside the agent's play() call)
   * instead of waiting up to 20 ms for the session's slot, and that slot then
   * sends nothing. The spurt starts less than a frame early (receivers play by
   * timestamp; a new talk spurt may start at any time), the rest of it stays on
   * the session's schedule, and the tick count, the RTP timestamps and the
   * recording's alignment are unchanged.
   */
  #startSpurtNow(): void {
    this.#spurtStartScheduled = false;
    if (this.closed || this.#inTick || this.#link === null || this.#earlyAgentFrame !== null) return;
    if (this.#playout.queuedFrames === 0) return;
    const now = this.#engine.now();
    const agent = this.#sendNext(now);
    if (agent !== null) this.#earlyAgentFrame = Int16Array.from(agent);
  }

  /**
   * The session's figures. The pacing percentiles walk a histogram: with
   * `pacing` false they are the ones computed last (for a caller that asks
   * every tick and refreshes them now and then).
   */
  stats(pacing = true): SessionStats {
    const jitter = this.#jitter.stats();
    const playout = this.#playout.stats();
    if (pacing || this.#pacingErrorMs === null) {
      this.#pacingErrorMs = {
        p50: round2(this.#pacing.percentile(50)),
        p99: round2(this.#pacing.percentile(99)),
        max: round2(this.#pacing.max),
      };
    }
    return {
      packetsIn: this.#packetsIn,
      packetsOut: playout.packetsOut,
      bytesIn: this.#bytesIn,
      bytesOut: playout.bytesOut,
      malformed: this.#malformed,
      // Foreign datagrams cannot be attributed to one session: every session's
      // Asterisk shares one IP. The gateway-wide counter (RtpDemux) holds them.
      foreignSource: 0,
      ssrc: this.#jitter.ssrc,
      lost: jitter.lost,
      late: jitter.late,
      reordered: jitter.reordered,
      duplicates: jitter.duplicates,
      ssrcChanges: jitter.ssrcChanges,
      concealedFrames: this.#concealedFrames,
      jitterMs: round2(jitter.jitterMs),
      playoutUnderruns: playout.underruns,
      pacingErrorMs: this.#pacingErrorMs,
    };
  }

  info(): SessionInfo {
    return {
      sessionId: this.sessionId,
      callId: this.callId,
      format: this.format,
      transport: this.transport,
      local: { ...this.local },
      remote: this.#link === null ? null : structuredClone(this.#link.remote),
      createdAt: this.createdAt.toISOString(),
      stats: this.stats(),
    };
  }

  /** Stops the media, closes the agent and the recording. Idempotent. */
  close(): Promise<ClosedSessionReport> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** A key the caller pressed (DTMF, reported by the backend). */
  dtmf(digit: string, durationMs: number): void {
    if (this.closed) return;
    this.#agent.onDtmf?.(digit, durationMs);
  }

  async #close(): Promise<ClosedSessionReport> {
    this.#removeFromClock?.();
    this.#notifySpace(false);
    this.#link?.close();
    const agentClosed = this.#agent.close().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'closing the agent failed');
    });
    const recordingPath = (await this.#recording?.close()) ?? null;
    await agentClosed;
    const stats = this.stats();
    this.logger.info({ stats, recordingPath }, 'media session closed');
    return { stats, recordingPath };
  }

  #nextCallerFrame(): Int16Array | null {
    const result = this.#jitter.pop();
    this.#callerUlaw = null;
    if (result.kind === 'audio') {
      if (this.format === 'ulaw') this.#callerUlaw = result.payload;
      this.#codec.decode(result.payload, this.#callerPcm);
      this.#lastGoodPcm.set(this.#callerPcm);
      this.#haveLastGood = true;
      this.#lostRun = 0;
      return this.#callerPcm;
    }
    if (result.kind === 'lost') {
      this.#lostRun += 1;
      this.#concealedFrames += 1;
      conceal(this.#haveLastGood ? this.#lastGoodPcm : null, this.#lostRun, this.#callerPcm);
      return this.#callerPcm;
    }
    return null;
  }

  #agentContext() {
    return agentContext({
      request: this.#request,
      logger: this.logger,
      format: this.format,
      codec: this.#codec,
      playout: this.#playout,
      closed: () => this.closed,
      enqueue: (payload) => this.#enqueue(payload),
      space: (signal) => this.#space(signal),
    });
  }

  #space(signal: AbortSignal): Promise<boolean> {
    if (this.closed || signal.aborted) return Promise.resolve(false);
    if (this.#playout.freeFrames > 0) return Promise.resolve(true);
    const waiting = this.#spaceWaiters.wait(signal);
    this.#playout.notifyWhenSpace();
    return waiting;
  }


  #enqueue(payload: Uint8Array): boolean {
    const startsSpurt = !this.#playout.playing && this.#playout.queuedFrames === 0;
    const accepted = this.#playout.enqueue(payload);
    if (accepted && startsSpurt && !this.#spurtStartScheduled) {
      this.#spurtStartScheduled = true;
      queueMicrotask(() => this.#startSpurtNow());
    }
    return accepted;
  }

  /** Room in the playout queue (or the session closed): waiting producers go on. */
  #notifySpace(room = true): void {
    this.#spaceWaiters.notify(room);
  }

  #countMalformed(reason: InboundRejection): void {
    this.#malformed += 1;
    // Once per session: enough to diagnose a format mismatch without flooding the log at 50 packets/s.
    if (this.#malformed === 1) this.logger.warn({ reason }, 'malformed rtp from session remote dropped');
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
