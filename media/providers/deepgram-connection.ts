// What the Deepgram STT and TTS providers share: the SDK client (the key and
// base URL always passed, so the SDK never falls back to DEEPGRAM_API_KEY),
// opening a streaming socket under our own deadline, turning handshake
// failures and close codes into ProviderError, and the readiness probe.
//
// SDK behaviour (@deepgram/sdk 5.x) this relies on:
// - `listen.v1.connect(args)` / `speak.v1.connect(args)` only build the socket;
//   socket.connect() starts the handshake and waitForOpen() settles it. Handlers
//   must be registered before connect(): the service may speak first.
// - `reconnectAttempts: 0` is required: by default the SDK reconnects up to 30
//   times on any close but 1000, and a reconnected listen stream restarts its
//   audio clock at 0. The call decides what to do after a failure.
// - A refused handshake rejects waitForOpen with an ErrorEvent whose message
//   is "Unexpected server response: <status>" (the body is unreadable); a
//   close event with code 1000 is delivered before it.
// - socket.close() delivers a close event (1000) to the handlers at once.
// - `on(event, handler)` replaces the previous handler of that event.

import { DeepgramClient, DeepgramError, DeepgramTimeoutError } from '@deepgram/sdk';
import { abortReason } from './abort-link.js';
import { codeForStatus, isRetryableStatus, ProviderError, redactSecrets, type ProviderKind } from './provider-error.js';
import { raceDeadline, type Raced } from './provider-timing.js';

export interface DeepgramConnectionOptions {
  apiKey: string;
  /** Default: Deepgram's production endpoints. `http(s)://` works for the websockets too. */
  baseUrl?: string | undefined;
}

export function createDeepgramClient(options: DeepgramConnectionOptions): DeepgramClient {
  if (options.apiKey.length === 0) throw new RangeError('a Deepgram API key is required');
  return new DeepgramClient({
    apiKey: options.apiKey,
    maxRetries: 0,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
  });
}

/** The parts of an SDK streaming socket the providers use to open it. */
export interface ConnectableSocket {
  connect(): unknown;
  waitForOpen(): Promise<unknown>;
  close(): void;
}

export interface OpenSocketOptions {
  provider: ProviderKind;
  apiKey: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Starts the handshake and waits for it under `timeoutMs`. On failure or abort
 * the socket is closed; rejects with ProviderError, or the signal's reason.
 */
export async function openDeepgramSocket(socket: ConnectableSocket, options: OpenSocketOptions): Promise<void> {
  const fail = (error: unknown): never => {
    safeClose(socket);
    throw error;
  };
  if (options.signal.aborted) fail(abortReason(options.signal));
  socket.connect();
  let outcome: Raced<unknown>;
  try {
    outcome = await raceDeadline(socket.waitForOpen(), options.timeoutMs, options.signal);
  } catch (error: unknown) {
    return fail(handshakeError(options.provider, error, options.apiKey));
  }
  if (outcome.kind === 'aborted') fail(abortReason(options.signal));
  if (outcome.kind === 'timeout') {
    fail(new ProviderError(meta(options.provider, 'timeout', true), `connect timed out after ${options.timeoutMs} ms`));
  }
}

export function safeClose(socket: { close(): void }): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}

const UNEXPECTED_RESPONSE = /Unexpected server response: (\d{3})/;

/** The error of a failed handshake (an ErrorEvent from the SDK, not an Error). */
export function handshakeError(provider: ProviderKind, error: unknown, apiKey: string): ProviderError {
  const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as { message: string }).message : String(error);
  const status = UNEXPECTED_RESPONSE.exec(message)?.[1];
  if (status !== undefined) {
    const code = Number(status);
    return new ProviderError({ ...meta(provider, codeForStatus(code), isRetryableStatus(code)), status: code }, `handshake refused with HTTP ${code}`);
  }
  if (message === 'TIMEOUT') return new ProviderError(meta(provider, 'timeout', true), 'connect timed out');
  return new ProviderError(meta(provider, 'connection', true), `connect failed: ${redactSecrets(message, [apiKey])}`);
}

/** Policy violation (1008: e.g. audio it cannot decode) will not go away by retrying; the rest may. */
export function closeError(provider: ProviderKind, code: number, reason: string, apiKey: string): ProviderError {
  const detail = `socket closed by the service (${code}${reason.length > 0 ? `: ${redactSecrets(reason, [apiKey], 200)}` : ''})`;
  return code === 1008
    ? new ProviderError(meta(provider, 'rejected', false), detail)
    : new ProviderError(meta(provider, 'connection', true), detail);
}

function meta(provider: ProviderKind, code: ProviderError['code'], retryable: boolean) {
  return { provider, vendor: 'deepgram' as const, code, retryable };
}

/**
 * Readiness: an authenticated GET /v1/projects (lists the projects the key
 * can see; no side effect, no usage billed). Rejects with ProviderError.
 */
export async function probeDeepgram(client: DeepgramClient, provider: ProviderKind, apiKey: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  try {
    await client.manage.v1.projects.list({ abortSignal: signal, maxRetries: 0, timeoutInSeconds: timeoutMs / 1000 });
  } catch (error: unknown) {
    if (signal.aborted) throw abortReason(signal);
    if (error instanceof DeepgramTimeoutError) {
      throw new ProviderError(meta(provider, 'timeout', true), `probe timed out after ${timeoutMs} ms`);
    }
    if (error instanceof DeepgramError && error.statusCode !== undefined) {
      const status = error.statusCode;
      throw new ProviderError({ ...meta(provider, codeForStatus(status), isRetryableStatus(status)), status }, `probe refused with HTTP ${status}${errorCodeOf(error.body)}`);
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderError(meta(provider, 'connection', true), `probe failed: ${redactSecrets(message, [apiKey])}`);
  }
}

/** Deepgram error bodies carry {"err_code": "...", "err_msg": "..."}. */
function errorCodeOf(body: unknown): string {
  const code = (body as { err_code?: unknown } | null)?.err_code;
  return typeof code === 'string' ? ` (${code.slice(0, 60)})` : '';
}
