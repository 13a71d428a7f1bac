// The media gateway's control API in memory, for unit tests of what drives a
// call (CallSession). Extends the real client and replaces its requests; the
// answers follow the contract's schemas (media/contract/sessions.ts) and errors
// are the client's own MediaGatewayError. Any operation can be held or failed
// through `control`.
import {
  CloseSessionResponse,
  CreateSessionResponse,
  CreateSessionRequest,
  SessionInfo,
  type AgentSettings,
  type CreateSessionInput,
  type SessionStats,
  type SetRemoteRequest,
} from '../../../media/contract/sessions.js';
import { MediaGatewayClient, MediaGatewayError, type MediaGatewayOperation } from '../../../src/media-gateway/client.js';
import { StepControl } from './step-control.js';

const STATS: SessionStats = {
  packetsIn: 0,
  packetsOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  malformed: 0,
  foreignSource: 0,
  ssrc: null,
  lost: 0,
  late: 0,
  reordered: 0,
  duplicates: 0,
  ssrcChanges: 0,
  concealedFrames: 0,
  jitterMs: 0,
  playoutUnderruns: 0,
  pacingErrorMs: { p50: 0, p99: 0, max: 0 },
};

interface GatewaySession {
  request: CreateSessionRequest;
  remote: SetRemoteRequest | null;
  /** Told of the caller's answer (POST /sessions/:id/answered). */
  answered: boolean;
  closed: boolean;
  /** Agent settings given to replaceAgent, in order. */
  replacements: AgentSettings[];
}

export class InMemoryMediaGateway extends MediaGatewayClient {
  readonly control = new StepControl<MediaGatewayOperation>();
  readonly sessions = new Map<string, GatewaySession>();
  /** Where the gateway tells Asterisk to send RTP. */
  readonly rtp = { host: '127.0.0.1', port: 30_000 } as const;
  /** What DELETE /sessions/:id reports as the recording. */
  recordingPath: string | null = 'recordings/call.wav';

  constructor() {
    super({ url: 'http://127.0.0.1:9', token: 'in-memory', timeoutMs: 1_000 });
  }

  override createSession(input: CreateSessionInput): Promise<CreateSessionResponse> {
    return this.control.run('create_session', () => {
      const request = CreateSessionRequest.parse(input);
      const sessionId = `session-${this.sessions.size + 1}`;
      this.sessions.set(sessionId, { request, remote: null, answered: false, closed: false, replacements: [] });
      return CreateSessionResponse.parse({ sessionId, rtp: request.transport === 'rtp' ? this.rtp : null });
    });
  }

  override setRemote(sessionId: string, remote: SetRemoteRequest): Promise<SessionInfo> {
    return this.control.run('set_remote', () => {
      const session = this.#open(sessionId, 'set_remote');
      session.remote = remote;
      return this.#info(sessionId, session);
    });
  }

  override replaceAgent(sessionId: string, agent: AgentSettings): Promise<SessionInfo> {
    return this.control.run('replace_agent', () => {
      const session = this.#open(sessionId, 'replace_agent');
      session.replacements.push(agent);
      return this.#info(sessionId, session);
    });
  }

  #info(sessionId: string, session: GatewaySession): SessionInfo {
    return SessionInfo.parse({
      sessionId,
      callId: session.request.callId,
      format: session.request.format,
      transport: session.request.transport,
      local: this.rtp,
      remote: session.remote,
      createdAt: '2026-11-21T04:15:34.000Z',
      stats: STATS,
    });
  }

  override answered(sessionId: string): Promise<void> {
    return this.control.run('answered', () => {
      this.#open(sessionId, 'answered').answered = true;
    });
  }

  override closeSession(sessionId: string): Promise<CloseSessionResponse | null> {
    return this.control.run('close_session', () => {
      const session = this.sessions.get(sessionId);
      if (!session || session.closed) return null;
      session.closed = true;
      return CloseSessionResponse.parse({ sessionId, stats: STATS, recordingPath: this.recordingPath });
    });
  }

  /** Sessions not closed yet. */
  get openSessions(): string[] {
    return [...this.sessions].filter(([, session]) => !session.closed).map(([id]) => id);
  }

  #open(sessionId: string, operation: MediaGatewayOperation): GatewaySession {
    const session = this.sessions.get(sessionId);
    if (!session || session.closed) throw new MediaGatewayError(operation, `404 not_found: no session ${sessionId}`, 404, 'not_found');
    return session;
  }
}

/** The gateway refusing a request the way the client reports it. */
export function gatewayError(operation: MediaGatewayOperation, status: number, code: string, message: string): MediaGatewayError {
  return new MediaGatewayError(operation, `${status} ${code}: ${message}`, status, code);
}
