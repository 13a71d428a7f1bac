// Client of the media gateway's control API. The request and response shapes
// come from the gateway's own contract module, validated on both sides.
//
// Several gateways: each new session goes to the gateway the pool ranks first by
// load (gateway-pool.ts), or without a pool to the next gateway in turn; one that
// cannot be reached, or has no capacity, is skipped for the next one (creating a
// session is idempotent by callId). Every later request of the session goes
// to the gateway that holds it. A backend replica adopting a call learns its
// gateway from the call's row (`remember`).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
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
  type DtmfRequest,
  type SetRemoteRequest,
} from '../../media/contract/sessions.js';
import { GatewayPool } from './gateway-pool.js';
import { WarmClipsResponse, clipPaths, type WarmClipsRequest } from '../../media/contract/clips.js';

export type MediaGatewayOperation =
  | 'create_session'
  | 'set_remote'
  | 'replace_agent'
  | 'close_session'
  | 'session_stats'
  | 'list_sessions'
  | 'send_dtmf'
  | 'answered'
  | 'warm_clips';

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
  /** Every gateway (default: `url` alone). */
  urls?: readonly string[];
  /**
   * Each URL's host name stands for every address it resolves to (a Kubernetes headless
   * Service over the gateways): new sessions are spread over those addresses.
   */
  resolveAll?: boolean;
  token: string;
  timeoutMs: number;
  /** Places new sessions by load; without it they go round-robin. */
  pool?: GatewayPool;
}

/** Sessions remembered at most (a session is forgotten when closed). */
const MAX_REMEMBERED_SESSIONS = 100_000;
/** How long the addresses behind a gateway name are reused before resolving it again. */
const RESOLVE_CACHE_MS = 5_000;

/** `url` once per address its host resolves to (itself when it is an address, or does not resolve). */
async function expandAddresses(url: string): Promise<string[]> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return [url];
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.map(({ address, family }) => {
      const copy = new URL(url);
      copy.hostname = family === 6 ? `[${address}]` : address;
      return copy.toString().replace(/\/+$/, '');
    });
  } catch {
    return [url];
  }
}

export class MediaGatewayClient {
  private readonly urls: readonly string[];
  /** sessionId -> the gateway holding it. */
  private readonly holders = new Map<string, string>();
  private next = 0;
  private resolved: { urls: string[]; atMs: number } | null = null;

  constructor(private readonly options: MediaGatewayClientOptions) {
    this.urls = options.urls && options.urls.length > 0 ? [...options.urls] : [options.url];
  }

  /** Every gateway: the URLs, or every address their names resolve to (cached briefly). */
  async candidates(): Promise<readonly string[]> {
    if (!this.options.resolveAll) return this.urls;
    if (this.resolved && performance.now() - this.resolved.atMs < RESOLVE_CACHE_MS) return this.resolved.urls;
    const expanded = await Promise.all(this.urls.map((url) => expandAddresses(url)));
    const urls = [...new Set(expanded.flat())];
    this.resolved = { urls: urls.length > 0 ? urls : [...this.urls], atMs: performance.now() };
    return this.resolved.urls;
  }

  /** The gateways sessions go to, and those that hold sessions of adopted calls. */
  get gatewayUrls(): string[] {
    return [...new Set([...(this.resolved?.urls ?? this.urls), ...this.holders.values()])];
  }

  /** The gateway holding `sessionId` (the first gateway when unknown). */
  gatewayUrlOf(sessionId: string): string {
    return this.holders.get(sessionId) ?? this.urls[0]!;
  }

  /** Records where a session lives (a call adopted from the database). */
  remember(sessionId: string, gatewayUrl: string): void {
    this.holders.set(sessionId, gatewayUrl.replace(/\/+$/, ''));
    if (this.holders.size > MAX_REMEMBERED_SESSIONS) this.holders.delete(this.holders.keys().next().value!);
  }

  /** The sessions this client placed or remembered on `gatewayUrl`. */
  sessionsOn(gatewayUrl: string): string[] {
    return [...this.holders].filter(([, url]) => url === gatewayUrl).map(([sessionId]) => sessionId);
  }

  /** `avoid`: gateways not to use (the one a moved call just lost). */
  async createSession(request: CreateSessionInput, signal?: AbortSignal, avoid: readonly string[] = []): Promise<CreateSessionResponse> {
    const all = (await this.candidates()).filter((url) => !avoid.includes(url));
    const urls = this.options.pool ? this.options.pool.order(all) : this.roundRobin(all);
    if (urls.length === 0) {
      throw new MediaGatewayError('create_session', '503 no_capacity: no media gateway takes new calls (all draining or excluded)', 503, 'no_capacity');
    }
    let failure: unknown = null;
    for (const url of urls) {
      try {
        const created = await this.call('create_session', 'POST', sessionPaths.create, request, CreateSessionResponse, signal, url);
        this.remember(created.sessionId, url);
        this.options.pool?.placed(url);
        return created;
      } catch (error) {
        // Another gateway is tried only when this one cannot take the call at all.
        if (!(error instanceof MediaGatewayError) || !(error.status === null || error.code === 'no_capacity') || signal?.aborted) throw error;
        failure = error;
      }
    }
    throw failure;
  }

  private roundRobin(urls: readonly string[]): string[] {
    if (urls.length === 0) return [];
    const first = this.next % urls.length;
    this.next = (first + 1) % urls.length;
    return [...urls.slice(first), ...urls.slice(0, first)];
  }

  /** RTP: Asterisk's RTP address; websocket: resolves once the gateway's media websocket is started. */
  setRemote(sessionId: string, remote: SetRemoteRequest, signal?: AbortSignal): Promise<SessionInfo> {
    return this.call('set_remote', 'PUT', sessionPaths.remote(sessionId), remote, SessionInfo, signal, this.gatewayUrlOf(sessionId));
  }

  /** A new agent takes over the session's call with `agent` settings. */
  replaceAgent(sessionId: string, agent: AgentSettings, signal?: AbortSignal): Promise<SessionInfo> {
    return this.call('replace_agent', 'PUT', sessionPaths.agent(sessionId), agent, SessionInfo, signal, this.gatewayUrlOf(sessionId));
  }

  stats(sessionId: string, signal?: AbortSignal): Promise<SessionStats> {
    return this.call('session_stats', 'GET', sessionPaths.stats(sessionId), undefined, SessionStats, signal, this.gatewayUrlOf(sessionId));
  }

  /** A key the caller pressed, for the session's agent (204, no body). */
  async sendDtmf(sessionId: string, key: DtmfRequest, signal?: AbortSignal): Promise<void> {
    await this.call('send_dtmf', 'POST', sessionPaths.dtmf(sessionId), key, z.undefined(), signal, this.gatewayUrlOf(sessionId));
  }

  /** The sessions of one gateway (default: the first). */
  listSessions(signal?: AbortSignal, gatewayUrl?: string): Promise<ListSessionsResponse> {
    return this.call('list_sessions', 'GET', sessionPaths.list, undefined, ListSessionsResponse, signal, gatewayUrl ?? this.urls[0]!);
  }

  /** The caller was answered: the session's media and agent start now (204, no body). */
  async answered(sessionId: string, signal?: AbortSignal): Promise<void> {
    await this.call('answered', 'POST', sessionPaths.answered(sessionId), undefined, z.undefined(), signal, this.gatewayUrlOf(sessionId));
  }

  /**
   * Asks every gateway to synthesize these businesses' fixed phrases ahead of
   * their calls (each gateway has its own clip cache, and any may get the next
   * call). Rejects with the first failure once all have answered, so that the
   * caller tries the round again; a gateway that already has a phrase skips it.
   */
  async warmClips(request: WarmClipsRequest, signal?: AbortSignal): Promise<WarmClipsResponse> {
    const gateways = await this.candidates();
    const answers = await Promise.allSettled(
      gateways.map((url) => this.call('warm_clips', 'PUT', clipPaths.warm, request, WarmClipsResponse, signal, url)),
    );
    const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
    if (failed) throw failed.reason;
    return { queued: answers.reduce((sum, answer) => sum + (answer.status === 'fulfilled' ? answer.value.queued : 0), 0) };
  }

  /** Closes a session; a session the gateway no longer knows is already closed (null). */
  async closeSession(sessionId: string, signal?: AbortSignal): Promise<CloseSessionResponse | null> {
    try {
      return await this.call('close_session', 'DELETE', sessionPaths.one(sessionId), undefined, CloseSessionResponse, signal, this.gatewayUrlOf(sessionId));
    } catch (err) {
      if (err instanceof MediaGatewayError && err.status === 404) return null;
      throw err;
    } finally {
      this.holders.delete(sessionId);
    }
  }

  private async call<T>(
    operation: MediaGatewayOperation,
    method: string,
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    signal: AbortSignal | undefined,
    gatewayUrl: string,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${gatewayUrl}${path}`, {
        method,
        headers: {
          authorization: bearer(this.options.token),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
    } catch (err) {
      throw new MediaGatewayError(operation, describeFetchFailure(err, timeout, this.options.timeoutMs, gatewayUrl), null, null);
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

function describeFetchFailure(err: unknown, timeout: AbortSignal, timeoutMs: number, url: string): string {
  if (timeout.aborted) return `no answer within ${timeoutMs} ms (${url})`;
  if (err instanceof Error && err.name === 'AbortError') return 'aborted';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return `connection refused (${url})`;
  return `${typeof code === 'string' ? code : 'request failed'} (${url})`;
}
