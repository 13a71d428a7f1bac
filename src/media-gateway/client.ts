// Client of the media gateway's control API. The request and response shapes
// come from the gateway's own contract module, validated on both sides.
import type { z } from 'zod';
import {
  ApiErrorBody,
  CloseSessionResponse,
  CreateSessionResponse,
  ListSessionsResponse,
  SessionInfo,
  SessionStats,
  bearer,
  sessionPaths,
  type AgentSettings,
  type CreateSessionInput,
  type SetRemoteRequest,
} from '../../media/contract/sessions.js';

export type MediaGatewayOperation =
  | 'create_session'
  | 'set_remote'
  | 'replace_agent'
  | 'close_session'
  | 'session_stats'
  | 'list_sessions';

export class MediaGatewayError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly operation: MediaGatewayOperation,
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(`media gateway ${operation} failed: ${message}`);
    this.name = 'MediaGatewayError';
    this.retryable = status === null || status >= 500;
  }
}

export interface MediaGatewayClientOptions {
  /** Base URL, e.g. http://media-gateway:8090 (no trailing slash). */
  url: string;
  token: string;
  timeoutMs: number;
}

export class MediaGatewayClient {
  constructor(private readonly options: MediaGatewayClientOptions) {}

  createSession(request: CreateSessionInput, signal?: AbortSignal): Promise<CreateSessionResponse> {
    return this.call('create_session', 'POST', sessionPaths.create, request, CreateSessionResponse, signal);
  }

  /** RTP: Asterisk's RTP address; websocket: resolves once the gateway's media websocket is started. */
  setRemote(sessionId: string, remote: SetRemoteRequest, signal?: AbortSignal): Promise<SessionInfo> {
    return this.call('set_remote', 'PUT', sessionPaths.remote(sessionId), remote, SessionInfo, signal);
  }

  /** A new agent takes over the session's call with `agent` settings. */
  replaceAgent(sessionId: string, agent: AgentSettings, signal?: AbortSignal): Promise<SessionInfo> {
    return this.call('replace_agent', 'PUT', sessionPaths.agent(sessionId), agent, SessionInfo, signal);
  }

  stats(sessionId: string, signal?: AbortSignal): Promise<SessionStats> {
    return this.call('session_stats', 'GET', sessionPaths.stats(sessionId), undefined, SessionStats, signal);
  }

  listSessions(signal?: AbortSignal): Promise<ListSessionsResponse> {
    return this.call('list_sessions', 'GET', sessionPaths.list, undefined, ListSessionsResponse, signal);
  }

  /** Closes a session; a session the gateway no longer knows is already closed (null). */
  async closeSession(sessionId: string, signal?: AbortSignal): Promise<CloseSessionResponse | null> {
    try {
      return await this.call('close_session', 'DELETE', sessionPaths.one(sessionId), undefined, CloseSessionResponse, signal);
    } catch (err) {
      if (err instanceof MediaGatewayError && err.status === 404) return null;
      throw err;
    }
  }

  private async call<T>(
    operation: MediaGatewayOperation,
    method: string,
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${this.options.url}${path}`, {
        method,
        headers: {
          authorization: bearer(this.options.token),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
    } catch (err) {
      throw new MediaGatewayError(operation, describeFetchFailure(err, timeout, this.options), null, null);
    }
    const text = await response.text().catch(() => '');
    const json = parseJson(text);
    if (!response.ok) {
      const parsed = ApiErrorBody.safeParse(json);
      const detail = parsed.success ? `${parsed.data.error.code}: ${parsed.data.error.message}` : text.slice(0, 200);
      throw new MediaGatewayError(
        operation,
        `${response.status} ${detail}`,
        response.status,
        parsed.success ? parsed.data.error.code : null,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new MediaGatewayError(operation, `unexpected response: ${parsed.error.issues[0]?.message ?? 'invalid'}`, response.status, null);
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeFetchFailure(err: unknown, timeout: AbortSignal, options: MediaGatewayClientOptions): string {
  if (timeout.aborted) return `no answer within ${options.timeoutMs} ms (${options.url})`;
  if (err instanceof Error && err.name === 'AbortError') return 'aborted';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return `connection refused (${options.url})`;
  return `${typeof code === 'string' ? code : 'request failed'} (${options.url})`;
}
