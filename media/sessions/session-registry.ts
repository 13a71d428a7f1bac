// All live media sessions: creation (idempotent per callId), capacity, which
// remote belongs to which session, and closing. Transport-agnostic: the HTTP
// layer maps the result unions below to API responses. The sessions themselves
// are opened by a SessionHost (on the gateway, handles of sessions whose media
// runs on the media thread).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CreateSessionRequest, GatewayStats, RtpEndpoint, SessionStats } from '../contract/sessions.js';
import { canonicalIp, formatEndpoint, isUnspecifiedIp } from '../rtp/rtp-address.js';
import type { SessionHandle, SessionHost } from './session-handle.js';

export interface SessionRegistryOptions {
  readonly maxSessions: number;
  /** The gateway's advertised RTP address, the same for every session. */
  readonly local: RtpEndpoint;
  readonly host: SessionHost;
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
  | { readonly kind: 'invalid_remote'; readonly message: string };

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
    return { sessions: this.#byId.size, ...(await this.#options.host.totals()) };
  }

  create(request: CreateSessionRequest): CreateSessionResult {
    const existing = this.#byCallId.get(request.callId);
    if (existing !== undefined) return { kind: 'existing', session: existing };
    if (!this.#accepting) return { kind: 'no_capacity', message: 'the media gateway is shutting down' };
    if (this.#byId.size >= this.#options.maxSessions) {
      return { kind: 'no_capacity', message: `the media gateway is at its limit of ${this.#options.maxSessions} sessions` };
    }
    const sessionId = this.#newSessionId();
    const session = this.#options.host.open({
      sessionId,
      request,
      local: this.#options.local,
      createdAt: this.#now(),
      logger: this.#options.logger.child({ sessionId, callId: request.callId, channelId: request.channelId }),
    });
    this.#byId.set(sessionId, session);
    this.#byCallId.set(request.callId, session);
    session.logger.info({ format: request.format }, 'media session created');
    return { kind: 'created', session };
  }

  /** Points the session at Asterisk's RTP address; replaces any previous remote. */
  setRemote(sessionId: string, remote: RtpEndpoint): SetRemoteResult {
    const session = this.#byId.get(sessionId);
    if (session === undefined) return { kind: 'not_found' };
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
