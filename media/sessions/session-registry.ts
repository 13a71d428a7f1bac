// All live media sessions: creation (idempotent per callId), capacity, the
// demultiplexer entries for their remotes, and closing. Transport-agnostic:
// the HTTP layer maps the result unions below to API responses.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CreateSessionRequest,
  isWebSocketRemote,
  type CreateSessionInput,
  type GatewayStats,
  type RtpEndpoint,
  type SessionStats,
  type SetRemoteRequest,
} from '../contract/sessions.js';
import { wireCodec } from '../codec/wire-codec.js';
import { canonicalIp, formatEndpoint, isUnspecifiedIp } from '../rtp/rtp-address.js';
import type { RtpDemux, RtpDemuxStats } from '../rtp/rtp-demux.js';
import { connectMediaWebSocket, MediaWebSocketError } from '../websocket/media-websocket.js';
import { MediaSession, type MediaEngine, type RtpSender } from './media-session.js';

/** How long connecting a call's media websocket (up to MEDIA_START) may take. */
export const DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS = 2_000;

export interface SessionRegistryOptions {
  readonly maxSessions: number;
  /** The gateway's advertised RTP address, the same for every session. */
  readonly local: RtpEndpoint;
  readonly demux: RtpDemux;
  readonly sender: RtpSender;
  /** False when the RTP socket is IPv4-only. */
  readonly acceptsIpv6Remotes: boolean;
  readonly engine: MediaEngine;
  readonly logger: Logger;
  readonly newSessionId?: () => string;
  readonly now?: () => Date;
  /** Default DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS. */
  readonly websocketConnectTimeoutMs?: number;
}

export type CreateSessionResult =
  | { readonly kind: 'created' | 'existing'; readonly session: MediaSession }
  | { readonly kind: 'no_capacity'; readonly message: string };

export type SetRemoteResult =
  | { readonly kind: 'ok'; readonly session: MediaSession }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'invalid_remote'; readonly message: string }
  /** The media websocket could not be connected (refused, unreachable, no or wrong MEDIA_START). */
  | { readonly kind: 'unreachable'; readonly message: string };

export interface ClosedSession {
  readonly sessionId: string;
  readonly stats: SessionStats;
  /** Relative to the recordings folder; null when nothing was recorded. */
  readonly recordingPath: string | null;
}

/** Counters of sessions already closed, so gateway totals never go down. */
interface RetiredTotals {
  packetsIn: number;
  packetsOut: number;
  malformed: number;
  lost: number;
  late: number;
  playoutUnderruns: number;
}

export class SessionRegistry {
  readonly #options: SessionRegistryOptions;
  readonly #byId = new Map<string, MediaSession>();
  readonly #byCallId = new Map<string, MediaSession>();
  readonly #newSessionId: () => string;
  readonly #now: () => Date;
  #accepting = true;
  /** Sessions whose close is in progress still count in the totals until it ends. */
  readonly #closing = new Set<MediaSession>();
  readonly #retired: RetiredTotals = { packetsIn: 0, packetsOut: 0, malformed: 0, lost: 0, late: 0, playoutUnderruns: 0 };

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
    this.#newSessionId = options.newSessionId ?? randomUUID;
    this.#now = options.now ?? (() => new Date());
  }

  get size(): number {
    return this.#byId.size;
  }

  get local(): RtpEndpoint {
    return this.#options.local;
  }

  get(sessionId: string): MediaSession | undefined {
    return this.#byId.get(sessionId);
  }

  list(): MediaSession[] {
    return [...this.#byId.values()];
  }

  gatewayStats(): RtpDemuxStats {
    return this.#options.demux.stats();
  }

  /** Totals over every session, live and closed (GET /stats, /metrics). */
  totals(): GatewayStats {
    const totals = { ...this.#retired };
    for (const session of this.#byId.values()) addTotals(totals, session.stats());
    for (const session of this.#closing) addTotals(totals, session.stats());
    const { engine } = this.#options;
    return {
      sessions: this.#byId.size,
      foreignSource: this.#options.demux.stats().foreignSource,
      ...totals,
      lateTicks: engine.clock.lateSlots,
      pacing: engine.pacing.snapshot(),
    };
  }

  create(input: CreateSessionInput): CreateSessionResult {
    const request = CreateSessionRequest.parse(input);
    const existing = this.#byCallId.get(request.callId);
    if (existing !== undefined) return { kind: 'existing', session: existing };
    if (!this.#accepting) return { kind: 'no_capacity', message: 'the media gateway is shutting down' };
    if (this.#byId.size >= this.#options.maxSessions) {
      return { kind: 'no_capacity', message: `the media gateway is at its limit of ${this.#options.maxSessions} sessions` };
    }
    const sessionId = this.#newSessionId();
    const session = new MediaSession({
      sessionId,
      request,
      local: this.#options.local,
      sender: this.#options.sender,
      engine: this.#options.engine,
      createdAt: this.#now(),
      logger: this.#options.logger.child({ sessionId, callId: request.callId, channelId: request.channelId }),
    });
    this.#byId.set(sessionId, session);
    this.#byCallId.set(request.callId, session);
    session.logger.info({ format: request.format, transport: request.transport }, 'media session created');
    return { kind: 'created', session };
  }

  /** Either kind of remote (PUT /sessions/:id/remote): RTP at once, websocket once connected. */
  async applyRemote(sessionId: string, remote: SetRemoteRequest): Promise<SetRemoteResult> {
    return isWebSocketRemote(remote) ? this.connectWebSocket(sessionId, remote.websocket.url) : this.setRemote(sessionId, remote);
  }

  /** RTP: points the session at Asterisk's RTP address; replaces any previous remote. */
  setRemote(sessionId: string, remote: RtpEndpoint): SetRemoteResult {
    const session = this.#byId.get(sessionId);
    if (session === undefined) return { kind: 'not_found' };
    if (session.transport !== 'rtp') return { kind: 'invalid_remote', message: 'this session uses the websocket transport: give the media websocket URL' };
    return this.#setRtpRemote(session, remote);
  }

  /** Websocket: connects the call's media websocket; resolves once Asterisk has sent MEDIA_START. */
  async connectWebSocket(sessionId: string, url: string): Promise<SetRemoteResult> {
    const session = this.#byId.get(sessionId);
    if (session === undefined) return { kind: 'not_found' };
    if (session.transport !== 'websocket') return { kind: 'invalid_remote', message: "this session uses RTP: give Asterisk's RTP address" };
    const codec = wireCodec(session.format, session.transport);
    try {
      const link = await connectMediaWebSocket({
        url,
        format: session.format,
        frameBytes: codec.payloadBytes,
        samplesPerFrame: codec.samplesPerFrame,
        connectTimeoutMs: this.#options.websocketConnectTimeoutMs ?? DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS,
        now: this.#options.engine.now,
        logger: session.logger,
        onFrame: (frame, arrivalMs) => session.receiveFrame(frame, arrivalMs),
        onClosed: (code) => session.logger.info({ code }, 'Asterisk closed the media websocket'),
      });
      if (this.#byId.get(session.sessionId) !== session) {
        link.close();
        return { kind: 'not_found' };
      }
      session.useLink(link);
      return { kind: 'ok', session };
    } catch (error) {
      if (error instanceof MediaWebSocketError) return { kind: 'unreachable', message: error.message };
      throw error;
    }
  }

  #setRtpRemote(session: MediaSession, remote: RtpEndpoint): SetRemoteResult {
    const ip = canonicalIp(remote.host);
    if (ip === null) {
      return { kind: 'invalid_remote', message: 'host must be an IP address (Asterisk reports UNICASTRTP_LOCAL_ADDRESS as one)' };
    }
    if (isUnspecifiedIp(ip)) {
      return { kind: 'invalid_remote', message: 'host must be a concrete address, not an unspecified one like 0.0.0.0' };
    }
    if (ip.includes(':') && !this.#options.acceptsIpv6Remotes) {
      return { kind: 'invalid_remote', message: 'host is IPv6 but the RTP socket is bound to IPv4 (set RTP_BIND_HOST to ::)' };
    }
    const { demux } = this.#options;
    const owner = demux.ownerOf(ip, remote.port);
    if (owner !== undefined && owner !== session) {
      return {
        kind: 'invalid_remote',
        message: `remote ${formatEndpoint(ip, remote.port)} is already used by another session`,
      };
    }
    const previous = session.remote;
    if (previous !== null) demux.release(previous.host, previous.port, session);
    demux.claim(ip, remote.port, session);
    session.useRemote({ host: ip, port: remote.port });
    session.logger.info({ remote: formatEndpoint(ip, remote.port) }, 'media session remote set');
    return { kind: 'ok', session };
  }

  /** Closes and forgets one session; null when it does not exist (or is already closed). */
  async close(sessionId: string): Promise<ClosedSession | null> {
    const session = this.#byId.get(sessionId);
    if (session === undefined) return null;
    const remote = session.remote;
    if (remote !== null) this.#options.demux.release(remote.host, remote.port, session);
    this.#byId.delete(sessionId);
    this.#byCallId.delete(session.callId);
    this.#closing.add(session);
    const report = await session.close();
    addTotals(this.#retired, report.stats);
    this.#closing.delete(session);
    return { sessionId, stats: report.stats, recordingPath: report.recordingPath };
  }

  /** New sessions are refused from now on (503 no_capacity); existing ones keep running. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#byId.keys()].map((sessionId) => this.close(sessionId)));
  }
}

function addTotals(into: RetiredTotals, stats: SessionStats): void {
  into.packetsIn += stats.packetsIn;
  into.packetsOut += stats.packetsOut;
  into.malformed += stats.malformed;
  into.lost += stats.lost;
  into.late += stats.late;
  into.playoutUnderruns += stats.playoutUnderruns;
}
