// What the control API and the registry know of one call's media session.
// MediaSession and ThreadSession (the main-thread handle of a session whose
// media runs on the media thread, media-thread/thread-session.ts) both are one.
// RTP sessions run on the media thread; websocket sessions are MediaSessions
// on the main thread (websocket/websocket-sessions.ts says why).
import type { Logger } from 'pino';
import type {
  AgentSettings,
  CreateSessionRequest,
  GatewayStats,
  MediaFormat,
  MediaTransport,
  RtpEndpoint,
  SessionInfo,
  SessionStats,
} from '../contract/sessions.js';

export interface ClosedSessionReport {
  readonly stats: SessionStats;
  /** Relative to the recordings folder; null when nothing was recorded. */
  readonly recordingPath: string | null;
}

export interface SessionHandle {
  readonly sessionId: string;
  readonly callId: string;
  readonly businessId: string;
  readonly channelId: string;
  readonly format: MediaFormat;
  readonly transport: MediaTransport;
  /** The session's request as its current agent sees it (replaceAgent changes the agent settings). */
  readonly request: CreateSessionRequest;
  readonly local: RtpEndpoint;
  readonly createdAt: Date;
  readonly logger: Logger;
  /** Asterisk's RTP address (RTP sessions), null before it is known and for websocket sessions. */
  readonly remote: RtpEndpoint | null;
  readonly closed: boolean;
  /** The caller was answered (or the session never waited for it). */
  readonly isAnswered: boolean;
  /** Points the media at Asterisk's RTP address (canonical IP); replaces any previous one. */
  useRemote(remote: RtpEndpoint): void;
  /** The caller was answered: the media starts. Idempotent. */
  answered(): void;
  /** A key the caller pressed (DTMF, reported by the backend). */
  dtmf(digit: string, durationMs: number): void;
  /**
   * A new agent takes over the call with `agent` settings (e.g. back from a warm transfer
   * nobody took): the current agent is closed and what it still had queued is dropped.
   */
  replaceAgent(agent: AgentSettings): void;
  stats(): SessionStats;
  info(): SessionInfo;
  /** Stops the media, closes the agent and the recording. Idempotent. */
  close(): Promise<ClosedSessionReport>;
}

/** What opens sessions for the registry, and the gateway-wide figures it adds to theirs. */
export interface SessionHost {
  open(init: SessionOpenInit): SessionHandle;
  /** Datagrams whose source no session has claimed. */
  readonly foreignSource: number;
  /** Every session's counters, live and closed, the gateway's clock and pacing, taken at one instant. */
  totals(): Promise<Omit<GatewayStats, 'sessions'>>;
}

export interface SessionOpenInit {
  readonly sessionId: string;
  readonly request: CreateSessionRequest;
  /** The gateway's advertised RTP address (externalMedia `external_host`). */
  readonly local: RtpEndpoint;
  readonly logger: Logger;
  readonly createdAt: Date;
}
