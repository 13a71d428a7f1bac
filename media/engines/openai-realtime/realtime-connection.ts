// One call's WebSocket to the Realtime API through the `openai` SDK's realtime
// client (`openai/realtime/ws`, which runs on `ws`). It opens, waits for
// session.created, applies the session (session.update, answered by
// session.updated) and then hands every server event to `onEvent`.
//
// The SDK always builds a wss:// URL from the base URL. An http:// base URL (a
// local proxy, the tests' fake on 127.0.0.1) gets a plain TCP connection
// through ws's `createConnection` option, which the SDK passes through: the
// SDK itself runs unchanged.
import net from 'node:net';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { WebSocket } from 'ws';
import { ProviderError, redactSecrets } from '../../providers/provider-error.js';

/** From opening the socket to session.updated: a slow TLS handshake and a busy server fit. */
export const REALTIME_CONNECT_TIMEOUT_MS = 5_000;

export interface RealtimeConnectionOptions {
  apiKey: string;
  /** Including /v1. */
  baseURL: string;
  model: string;
  /** The session.update event to apply before the connection is ready. */
  session: Record<string, unknown>;
  signal: AbortSignal;
  onEvent: (event: RealtimeServerEvent) => void;
  /** The socket ended without close() (network, server): called once. */
  onLost: (error: ProviderError) => void;
}

/** A server event as received: its type and fields (the SDK's types describe them; they are read defensively). */
export type RealtimeServerEvent = { type: string } & Record<string, unknown>;

const failure = (code: ProviderError['code'], retryable: boolean, detail: string): ProviderError =>
  new ProviderError({ provider: 'llm', vendor: 'openai', code, retryable }, `realtime ${detail}`);

export class RealtimeConnection {
  readonly #socket: OpenAIRealtimeWS;
  readonly #options: RealtimeConnectionOptions;
  #closed = false;

  private constructor(socket: OpenAIRealtimeWS, options: RealtimeConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
  }

  static async open(options: RealtimeConnectionOptions): Promise<RealtimeConnection> {
    const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, organization: null, project: null, webhookSecret: null, adminAPIKey: null, logLevel: 'off' });
    const plain = options.baseURL.startsWith('http://');
    const socket = new OpenAIRealtimeWS({ model: options.model, options: plain ? { createConnection: (opts) => net.connect(opts as net.NetConnectOpts) } : {} }, client);
    const connection = new RealtimeConnection(socket, options);
    await connection.#ready();
    return connection;
  }

  send(event: Record<string, unknown>): void {
    if (this.#closed || this.#socket.socket.readyState !== WebSocket.OPEN) return;
    // The SDK's send() serializes and reports a failure through its 'error' listener.
    this.#socket.send(event as unknown as Parameters<OpenAIRealtimeWS['send']>[0]);
  }

  /** Closes the socket (code 1000). Idempotent; onLost is not called. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.socket.removeAllListeners('close');
    this.#socket.close({ code: 1000, reason: 'call ended' });
  }

  #ready(): Promise<void> {
    const { signal, apiKey } = this.#options;
    const socket = this.#socket;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => settle(failure('timeout', true, `session not ready within ${REALTIME_CONNECT_TIMEOUT_MS} ms`)), REALTIME_CONNECT_TIMEOUT_MS);
      const settle = (error: ProviderError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error === null) return resolve();
        this.#closed = true;
        socket.socket.terminate();
        reject(error);
      };
      const onAbort = (): void => settle(failure('connection', false, 'connection aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.socket.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        const code = status === 401 || status === 403 ? 'auth' : status === 429 ? 'rate_limit' : status >= 500 ? 'server' : 'rejected';
        settle(failure(code, status === 429 || status >= 500, `connection refused with HTTP ${status}`));
      });
      socket.on('error', (error) => {
        const message = redactSecrets(error.message.split('\n')[0] ?? 'error', [apiKey]);
        if (!settled) settle(failure('connection', true, `connection failed: ${message}`));
        else if (error.error === undefined) this.#lost(failure('connection', true, `connection failed: ${message}`));
        // Error events of the API arrive as 'event' too: the agent decides what they mean.
      });
      socket.socket.on('close', (code: number) => {
        if (!settled) settle(failure('connection', true, `connection closed before the session was ready (${code})`));
        else this.#lost(failure('connection', true, `connection lost (${code})`));
      });
      socket.on('event', (event) => {
        const typed = event as unknown as RealtimeServerEvent;
        if (!settled) {
          if (typed.type === 'session.created') socket.send(this.#options.session as unknown as Parameters<OpenAIRealtimeWS['send']>[0]);
          else if (typed.type === 'session.updated') settle(null);
          else if (typed.type === 'error') settle(failure('rejected', false, `session refused: ${errorText(typed)}`));
          return;
        }
        this.#options.onEvent(typed);
      });
    });
  }

  #lost(error: ProviderError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.onLost(error);
  }
}

/** The API's error event as one line ("code: message"); it never carries our key. */
export function errorText(event: RealtimeServerEvent): string {
  const error = (event.error ?? {}) as { code?: unknown; message?: unknown };
  return `${typeof error.code === 'string' ? `${error.code}: ` : ''}${typeof error.message === 'string' ? error.message : 'unknown error'}`;
}
