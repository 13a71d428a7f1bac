// All live media sessions: creation (idempotent per callId), capacity, which
// remote belongs to which session, and closing. Transport-agnostic: the HTTP
// layer maps the result unions below to API responses. The sessions themselves
// are opened by a SessionHost: RTP sessions by `host` (on the gateway, handles
// of sessions whose media runs on the media thread), websocket sessions by
// `websocket` (MediaSessions on the main thread, see websocket-sessions.ts).
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
import { canonicalIp, formatEndpoint, isUnspecifiedIp } from '../rtp/rtp-address.js';
import type { WebSocketSessions } from '../websocket/websocket-sessions.js';
import type { MediaSession } from './media-session.js';
import type { SessionHandle, SessionHost } from './session-handle.js';

export interface SessionRegistryOptions {
  readonly maxSessions: number;
  /** The gateway's advertised RTP address, the same for every session. */
  readonly local: RtpEndpoint;
  /** Opens RTP sessions. */
  readonly host: SessionHost;
  /** Opens websocket sessions; null refuses them. */
  readonly websocket: WebSocketSessions | null;
  /** False when the RTP socket is IPv4-only. */
  readonly acceptsIpv6Remotes: boolean;
  readonly logger: Logger;
  readonly newSessionId?: () => string;
  readonly now?: () => Date;
}

export type CreateSessionResult =
  | { readonly kind: 'created' | 'existing'; readonly session: SessionHandle }
  | { readonly kind: 'no_capacity'; readonly message: string };

export type SetRemoteResult =
  | { readonly kind: 'ok'; readonly session: SessionHandle }
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

export class SessionRegistry {
  readonly #options: SessionRegistryOptions;
  readonly #byId = new Map<string, SessionHandle>();
  readonly #byCallId = new Map<string, SessionHandle>();
  /** Remote (`formatEndpoint`) -> the session it belongs to. */
  readonly #byRemote = new Map<string, SessionHandle>();
  /** The websocket sessions (a subset of #byId), as their host opened them. */
  readonly #websocket = new Map<string, MediaSession>();
  readonly #newSessionId: () => string;
  readonly #now: () => Date;
  #accepting = true;

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

  get(sessionId: string): SessionHandle | undefined {
    return this.#byId.get(sessionId);
  }

  list(): SessionHandle[] {
    return [...this.#byId.values()];
  }

  gatewayStats(): { readonly foreignSource: number } {
    return { foreignSource: this.#options.host.foreignSource };
  }

  /** Totals over every session, live and closed (GET /stats, /metrics): one consistent snapshot of the host. */
  async totals(): Promise<GatewayStats> {
    const [rtp, websocket] = await Promise.all([this.#options.host.totals(), this.#options.websocket?.totals() ?? null]);
    if (websocket === null) return { sessions: this.#byId.size, ...rtp };
    return {
      sessions: this.#byId.size,
      foreignSource: rtp.foreignSource,
      packetsIn: rtp.packetsIn + websocket.packetsIn,
      packetsOut: rtp.packetsOut + websocket.packetsOut,
      malformed: rtp.malformed + websocket.malformed,
      lost: rtp.lost + websocket.lost,
      late: rtp.late + websocket.late,
      playoutUnderruns: rtp.playoutUnderruns + websocket.playoutUnderruns,
      lateTicks: rtp.lateTicks + websocket.lateTicks,
      pacing: { resolutionMs: rtp.pacing.resolutionMs, counts: rtp.pacing.counts.map((count, i) => count + (websocket.pacing.counts[i] ?? 0)) },
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
    const websocketHost = this.#options.websocket;
    if (request.transport === 'websocket' && websocketHost === null) {
      return { kind: 'no_capacity', message: 'this media gateway takes no websocket sessions' };
    }
    const sessionId = this.#newSessionId();
    const init = {
      sessionId,
      request,
      local: this.#options.local,
      createdAt: this.#now(),
      logger: this.#options.logger.child({ sessionId, callId: request.callId, channelId: request.channelId }),
    };
    let session: SessionHandle;
    if (request.transport === 'websocket') {
      const websocketSession = websocketHost!.open(init);
      this.#websocket.set(sessionId, websocketSession);
      session = websocketSession;
    } else {
      session = this.#options.host.open(init);
    }
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
    const key = formatEndpoint(ip, remote.port);
    const owner = this.#byRemote.get(key);
    if (owner !== undefined && owner !== session) {
      return {
        kind: 'invalid_remote',
        message: `remote ${formatEndpoint(ip, remote.port)} is already used by another session`,
      };
    }
    const previous = session.remote;
    if (previous !== null) this.#byRemote.delete(formatEndpoint(previous.host, previous.port));
    this.#byRemote.set(key, session);
    session.useRemote({ host: ip, port: remote.port });
    session.logger.info({ remote: key }, 'media session remote set');
    return { kind: 'ok', session };
  }

  /** Websocket: connects the call's media websocket; resolves once Asterisk has sent MEDIA_START. */
  async connectWebSocket(sessionId: string, url: string): Promise<SetRemoteResult> {
    const session = this.#byId.get(sessionId);
    if (session === undefined) return { kind: 'not_found' };
    const websocketSession = this.#websocket.get(sessionId);
    if (websocketSession === undefined || this.#options.websocket === null) {
      return { kind: 'invalid_remote', message: "this session uses RTP: give Asterisk's RTP address" };
    }
    const result = await this.#options.websocket.connect(websocketSession, url);
    if (result.kind !== 'ok') return result;
    if (this.#byId.get(sessionId) !== session) return { kind: 'not_found' };
    return { kind: 'ok', session };
  }

  /** Closes and forgets one session; null when it does not exist (or is already closed). */
  async close(sessionId: string): Promise<ClosedSession | null> {
    const session = this.#byId.get(sessionId);
    if (session === undefined) return null;
    const remote = session.remote;
    if (remote !== null && this.#byRemote.get(formatEndpoint(remote.host, remote.port)) === session) {
      this.#byRemote.delete(formatEndpoint(remote.host, remote.port));
    }
    this.#byId.delete(sessionId);
    this.#byCallId.delete(session.callId);
    this.#websocket.delete(sessionId);
    const report = await session.close();
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
