// What the OpenAI LLM and TTS providers share: the SDK client, error mapping
// and the readiness probe.
//
// SDK behaviour (openai 6.x) this relies on:
// - Every option that otherwise falls back to an OPENAI_* environment variable
//   is passed explicitly (key, base URL, admin key, organization, project,
//   webhook secret, log level): providers never read the environment.
// - maxRetries defaults to 2 with exponential backoff: set to 0, our own rule
//   (provider-timing.ts) retries once, quickly, only before any output.
// - `timeout` covers the response headers only; a stream that stalls after
//   them hangs forever, so streams carry their own deadlines.
// - A connection lost mid-body surfaces as a plain TypeError('terminated');
//   an abort through the request's signal ends a for-await silently.
// - The base URL must include the /v1 prefix.
// - Requests go through our keep-alive fetch (keep-alive-fetch.ts): each turn's
//   request leaves on a connection already open, however long the turn took.

import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { abortReason } from './abort-link.js';
import { createKeepAliveFetch } from './keep-alive-fetch.js';
import { codeForStatus, isRetryableStatus, ProviderError, redactSecrets, type ProviderKind, type ProviderVendor } from './provider-error.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAiConnectionOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint, including the /v1 prefix. Default: OpenAI's. */
  baseURL?: string | undefined;
  /** Who the errors name: 'self-hosted' for a server of the operator's own. Default 'openai'. */
  vendor?: ProviderVendor | undefined;
}

export function createOpenAiClient(options: OpenAiConnectionOptions, headersTimeoutMs: number): OpenAI {
  if (options.apiKey.length === 0) throw new RangeError('an OpenAI API key is required');
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    logLevel: 'off',
    maxRetries: 0,
    timeout: headersTimeoutMs,
    // Idle connections do not keep the process alive (Node's agent unrefs them): nothing to close.
    fetch: createKeepAliveFetch().fetch,
  });
}

/** Maps whatever the SDK or fetch threw to a ProviderError; `what` names the request ("chat completion"). */
export function openAiError(provider: ProviderKind, error: unknown, apiKey: string, what: string, vendor: ProviderVendor = 'openai'): ProviderError {
  if (error instanceof ProviderError) return error;
  const meta = (code: ProviderError['code'], retryable: boolean, status?: number) => ({ provider, vendor, code, retryable, status });
  const message = redactSecrets(error instanceof Error ? error.message : String(error), [apiKey]);
  if (error instanceof APIConnectionTimeoutError) return new ProviderError(meta('timeout', true), `${what} timed out waiting for the response headers`);
  if (error instanceof APIConnectionError) return new ProviderError(meta('connection', true), `${what} connection failed: ${message}`);
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const code = typeof error.code === 'string' ? ` (${error.code.slice(0, 60)})` : '';
    return new ProviderError(meta(codeForStatus(status), isRetryableStatus(status), status), `${what} failed with HTTP ${status}${code}: ${message}`);
  }
  if (error instanceof TypeError) return new ProviderError(meta('connection', true), `${what} connection lost: ${message}`);
  return new ProviderError(meta('protocol', false), `${what} failed: ${message}`);
}

/** Readiness: an authenticated GET /v1/models (no side effect, nothing billed). */
export async function probeOpenAi(client: OpenAI, provider: ProviderKind, apiKey: string, timeoutMs: number, signal: AbortSignal, vendor: ProviderVendor = 'openai'): Promise<void> {
  try {
    await client.models.list({ signal, timeout: timeoutMs, maxRetries: 0 });
  } catch (error: unknown) {
    if (signal.aborted) throw abortReason(signal);
    // Servers of the operator's own that list no models (whisper.cpp) answered: they are up.
    if (vendor === 'self-hosted' && error instanceof APIError && error.status === 404) return;
    throw openAiError(provider, error, apiKey, 'probe', vendor);
  }
}
