// One call's media session: owns its link to Asterisk (RTP to Asterisk's
// address, or the call's media websocket), its agent and recorder, and its
// lifetime; a thin coordinator of its two sides.
//
// The caller's side (caller-inbound.ts) takes each RTP datagram from the
// session's remote, or each 20 ms frame over the websocket transport, into the
// jitter buffer. The agent's side (agent-outbound.ts) holds the agent's audio
// in the playout queue. Every 20 ms the shared media clock calls tick(): one
// caller frame comes out of the jitter buffer (decoded, or concealed when
// lost) and goes to the agent; one packet leaves the playout queue for
// Asterisk (agent audio or silence); both sides of that same tick go to the
// recording, so the two channels stay aligned by construction. The engine
// runs at the format's rate: 8 kHz for ulaw and slin, 16 kHz for slin16
// (websocket only).
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
import { wireCodec, type WireCodec } from '../codec/wire-codec.js';
import { SessionRecording } from '../recording/session-recording.js';
import type { JitterBufferPacket } from '../rtp/jitter-buffer.js';
import type { PacingHistogram } from '../rtp/pacing-histogram.js';
import { PAYLOAD_FORMATS } from '../rtp/payload-formats.js';
import type { RtpReceiver } from '../rtp/rtp-demux.js';
import { agentContext } from './agent-context.js';
import { AgentOutbound } from './agent-outbound.js';
import { CallerInbound } from './caller-inbound.js';
import type { MediaClock, Tickable } from './media-clock.js';
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
  readonly #codec: WireCodec;
  readonly #sender: RtpSender;
  readonly #inbound: CallerInbound;
  readonly #outbound: AgentOutbound;
  #request: CreateSessionRequest;
  #agent: CallAgent;
  #rtpRemote: RtpEndpoint | null = null;
  #link: MediaLink | null = null;
  #answered = false;
  #recording: SessionRecording | null = null;
  #removeFromClock: (() => void) | null = null;
  #closing: Promise<ClosedSessionReport> | null = null;

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
    this.#sender = init.sender;
    this.#inbound = new CallerInbound({
      format: this.format,
      codec: this.#codec,
      payloadFormat: this.transport === 'rtp' && this.format !== 'slin16' ? PAYLOAD_FORMATS[this.format] : null,
      jitter: init.engine.jitter,
      logger: this.logger,
      agent: () => this.#agent,
      onCallerAudio: () => {
        if (!this.#answered) this.answered();
      },
    });
    this.#outbound = new AgentOutbound({
      codec: this.#codec,
      now: init.engine.now,
      gatewayPacing: init.engine.pacing,
      agent: () => this.#agent,
      link: () => this.#link,
      closed: () => this.closed,
    });
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
    this.#outbound.clear();
    this.#agent = this.#engine.agentFactory(this.#agentContext());
    // The media runs already: the new agent may speak at once.
    if (this.#removeFromClock !== null) this.#agent.onAnswered?.(this.#engine.now());
    previous.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the replaced agent failed'));
    this.logger.info('a new agent took over the session');
  }

  /**
   * Websocket transport: one 20 ms frame of the caller's audio (media-websocket.ts numbers them).
   * Caller audio means the caller was answered: Asterisk sends only once the channel is up.
   */
  receiveFrame(frame: InboundFrame, arrivalMs: number): void {
    if (!this.closed) this.#inbound.receiveFrame(frame, arrivalMs);
  }

  /** RTP: one datagram from the session's remote (see receiveFrame). */
  receiveDatagram(datagram: Buffer, arrivalMs: number): void {
    if (!this.closed) this.#inbound.receiveDatagram(datagram, arrivalMs);
  }

  tick(frame: number, deadlineMs: number): void {
    if (this.closed) return;
    const caller = this.#inbound.nextFrame();
    this.#agent.onCallerFrame(caller ?? this.#inbound.silentFrame(), frame, this.#inbound.ulaw);
    const agent = this.#outbound.tick(deadlineMs);
    this.#recording?.writeFrame(caller, agent);
    this.#engine.onTicked?.(this, frame);
  }

  /**
   * The session's figures. The pacing percentiles walk a histogram: with
   * `pacing` false they are the ones computed last (for a caller that asks
   * every tick and refreshes them now and then).
   */
  stats(pacing = true): SessionStats {
    const inbound = this.#inbound.counters();
    const jitter = inbound.jitter;
    const outbound = this.#outbound.counters(pacing);
    return {
      packetsIn: inbound.packetsIn,
      packetsOut: outbound.packetsOut,
      bytesIn: inbound.bytesIn,
      bytesOut: outbound.bytesOut,
      malformed: inbound.malformed,
      // Foreign datagrams cannot be attributed to one session: every session's
      // Asterisk shares one IP. The gateway-wide counter (RtpDemux) holds them.
      foreignSource: 0,
      ssrc: inbound.ssrc,
      lost: jitter.lost,
      late: jitter.late,
      reordered: jitter.reordered,
      duplicates: jitter.duplicates,
      ssrcChanges: jitter.ssrcChanges,
      concealedFrames: inbound.concealedFrames,
      jitterMs: round2(jitter.jitterMs),
      playoutUnderruns: outbound.playoutUnderruns,
      pacingErrorMs: outbound.pacingErrorMs,
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
    this.#outbound.notifySpace(false);
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

  #agentContext() {
    return agentContext({
      request: this.#request,
      logger: this.logger,
      format: this.format,
      codec: this.#codec,
      playout: this.#outbound.playout,
      closed: () => this.closed,
      enqueue: (payload) => this.#outbound.enqueue(payload),
      space: (signal) => this.#outbound.space(signal),
    });
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
