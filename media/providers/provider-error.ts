// The one error type every provider (STT, LLM, TTS) throws. `retryable` says
// whether the same request may succeed later (rate limit, server error,
// dropped connection, timeout) or never will as configured (wrong key, bad
// request). Messages start with "<vendor> <provider>:" so they can go to the
// call log as they are, and never contain a key: every message is passed
// through redactSecrets with the provider's own key before it is stored.

export type ProviderKind = 'stt' | 'llm' | 'tts';
/** 'self-hosted': an OpenAI-compatible server the operator runs (whisper, Ollama, vLLM, Kokoro...). */
export type ProviderVendor = 'deepgram' | 'openai' | 'self-hosted';

/** What went wrong, coarsely: enough for logs, metrics and the retry decision. */
export type ProviderErrorCode =
  /** The key was refused (401/403). */
  | 'auth'
  /** The request was refused as invalid (400, 404, 422...): a configuration error. */
  | 'rejected'
  | 'rate_limit'
  /** 5xx from the service. */
  | 'server'
  /** The connection failed or was lost (refused, reset, websocket closed by the server). */
  | 'connection'
  /** One of our own deadlines passed (connect, first token, idle stream, first audio). */
  | 'timeout'
  /** The service answered something we cannot use (malformed tool arguments, unknown state). */
  | 'protocol';

export interface ProviderErrorOptions {
  provider: ProviderKind;
  vendor: ProviderVendor;
  code: ProviderErrorCode;
  retryable: boolean;
  /** HTTP status when the service answered with one. */
  status?: number | undefined;
}

export class ProviderError extends Error {
  readonly provider: ProviderKind;
  readonly vendor: ProviderVendor;
  readonly code: ProviderErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;

  /** `detail` is the part after "<vendor> <provider>: "; it must already be free of secrets. */
  constructor(options: ProviderErrorOptions, detail: string) {
    super(`${options.vendor} ${options.provider}: ${detail}`);
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.vendor = options.vendor;
    this.code = options.code;
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

/** Retryable by HTTP status: 408, 409, 429 and 5xx may succeed later; other 4xx never will. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function codeForStatus(status: number): ProviderErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (status >= 500) return 'server';
  if (status === 408) return 'timeout';
  return 'rejected';
}

/** Tokens that look like API keys (OpenAI `sk-...`, long hex or base64url runs), masked or not. */
const KEY_LIKE = /\b(?:sk|rk|pk)-[A-Za-z0-9_*-]{6,}|\b[A-Fa-f0-9]{32,}\b|\b[A-Za-z0-9_-]{40,}\b/g;
const REDACTED = '[redacted]';

/**
 * Removes the given secrets (and anything that looks like an API key) from a
 * message taken from a service or a library, and bounds its length.
 */
export function redactSecrets(message: string, secrets: readonly string[], maxLength = 500): string {
  let text = message;
  for (const secret of secrets) {
    if (secret.length > 0) text = text.split(secret).join(REDACTED);
  }
  text = text.replace(KEY_LIKE, REDACTED);
  return text.length > maxLength ? `${text.slice(0, maxLength)}...` : text;
}
