// Every deadline and retry rule of the providers, in one place. The constants
// are the defaults; each provider takes `timeouts` overrides in its
// constructor (tests use short ones). The SDKs' own retries are switched off:
// a phone call cannot wait for exponential backoff, so a request is retried at
// most once, quickly, and only while nothing of it reached the caller.

import type { ProviderError } from './provider-error.js';

// Speech to text (Deepgram live).
/** Websocket handshake to open. */
export const STT_CONNECT_TIMEOUT_MS = 5_000;
/** After CloseStream, how long to wait for the last results and the server's close. */
export const STT_CLOSE_TIMEOUT_MS = 2_000;
/** Deepgram closes a stream that got neither audio nor a message for ~10 s; KeepAlive after this idle time. */
export const STT_KEEPALIVE_AFTER_IDLE_MS = 5_000;

// LLM (OpenAI chat completions). The SDK's timeout only covers the response headers.
/** Request sent to the first streamed chunk (headers come with it). */
export const LLM_FIRST_TOKEN_TIMEOUT_MS = 6_000;
/** Longest silence between two chunks of a stream. */
export const LLM_IDLE_TIMEOUT_MS = 5_000;
export const LLM_RETRY_BACKOFF_MS = 250;

// Text to speech.
export const TTS_CONNECT_TIMEOUT_MS = 5_000;
/** A sentence's turn to be synthesized (or its request) to its first audio. */
export const TTS_FIRST_AUDIO_TIMEOUT_MS = 4_000;
/** Longest silence between two audio chunks of a sentence (or before its end marker). */
export const TTS_IDLE_TIMEOUT_MS = 4_000;
export const TTS_RETRY_BACKOFF_MS = 250;

/** Readiness probes. */
export const PROBE_TIMEOUT_MS = 5_000;

// Streams that drop mid-call (STT and TTS websockets) are opened again.
/** Waits before each attempt to re-open a dropped stream: the first at once, then backing off. */
export const RECONNECT_BACKOFF_MS: readonly number[] = Object.freeze([0, 250, 1_000]);
/** Re-openings one call may make within RECONNECT_WINDOW_MS; a provider that drops more often is down. */
export const RECONNECTS_PER_WINDOW = 5;
export const RECONNECT_WINDOW_MS = 60_000;
/** Caller audio sent again to a re-opened STT stream, at least (the words at the edge of the drop). */
export const STT_REPLAY_MIN_MS = 300;
/** Audio before an utterance still being recognized that is sent again with it (its onset). */
export const STT_REPLAY_LEAD_MS = 300;
/** Caller audio kept for replays at most: an utterance longer than this loses its start on a drop. */
export const STT_REPLAY_MAX_MS = 10_000;
/** An LLM round that failed before any of its audio was queued is asked again this many times. */
export const LLM_ROUND_RETRIES = 1;
/** Retries of a request that failed before anything of it was yielded. */
export const RETRIES_BEFORE_OUTPUT = 1;

export interface SttTimeouts {
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  keepAliveAfterIdleMs: number;
  probeTimeoutMs: number;
}

export interface LlmTimeouts {
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  retryBackoffMs: number;
  retriesBeforeOutput: number;
  probeTimeoutMs: number;
}

export interface TtsTimeouts {
  /** Websocket vendors only. */
  connectTimeoutMs: number;
  firstAudioTimeoutMs: number;
  idleTimeoutMs: number;
  /** HTTP vendors only (one request per sentence). */
  retryBackoffMs: number;
  retriesBeforeOutput: number;
  probeTimeoutMs: number;
}

export const DEFAULT_STT_TIMEOUTS: Readonly<SttTimeouts> = Object.freeze({
  connectTimeoutMs: STT_CONNECT_TIMEOUT_MS,
  closeTimeoutMs: STT_CLOSE_TIMEOUT_MS,
  keepAliveAfterIdleMs: STT_KEEPALIVE_AFTER_IDLE_MS,
  probeTimeoutMs: PROBE_TIMEOUT_MS,
});

export const DEFAULT_LLM_TIMEOUTS: Readonly<LlmTimeouts> = Object.freeze({
  firstTokenTimeoutMs: LLM_FIRST_TOKEN_TIMEOUT_MS,
  idleTimeoutMs: LLM_IDLE_TIMEOUT_MS,
  retryBackoffMs: LLM_RETRY_BACKOFF_MS,
  retriesBeforeOutput: RETRIES_BEFORE_OUTPUT,
  probeTimeoutMs: PROBE_TIMEOUT_MS,
});

export const DEFAULT_TTS_TIMEOUTS: Readonly<TtsTimeouts> = Object.freeze({
  connectTimeoutMs: TTS_CONNECT_TIMEOUT_MS,
  firstAudioTimeoutMs: TTS_FIRST_AUDIO_TIMEOUT_MS,
  idleTimeoutMs: TTS_IDLE_TIMEOUT_MS,
  retryBackoffMs: TTS_RETRY_BACKOFF_MS,
  retriesBeforeOutput: RETRIES_BEFORE_OUTPUT,
  probeTimeoutMs: PROBE_TIMEOUT_MS,
});

/** Defaults with overrides applied, checked (finite, >= 0; counts whole) and frozen. */
export function resolveTimeouts<T extends object>(defaults: Readonly<T>, overrides: Partial<T> = {}): Readonly<T> {
  const resolved = { ...defaults, ...overrides } as Record<string, unknown>;
  for (const [name, value] of Object.entries(resolved)) {
    const valid = typeof value === 'number' && Number.isFinite(value) && value >= 0 && (name.endsWith('Ms') || Number.isInteger(value));
    if (!valid) throw new RangeError(`provider timing ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return Object.freeze(resolved) as Readonly<T>;
}

/** A request that failed before yielding anything is retried once, unless it timed out (that took long enough). */
export function shouldRetryBeforeOutput(error: ProviderError, retriesDone: number, retriesAllowed: number): boolean {
  return error.retryable && error.code !== 'timeout' && retriesDone < retriesAllowed;
}

export type Raced<T> = { kind: 'value'; value: T } | { kind: 'timeout' } | { kind: 'aborted' };

/**
 * Waits for `promise` at most `timeoutMs` and no longer than `signal` stays
 * unaborted. A rejection of `promise` rejects; a late settlement is ignored.
 */
export function raceDeadline<T>(promise: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<Raced<T>> {
  if (signal?.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve({ kind: 'aborted' });
  }
  return new Promise<Raced<T>>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) resolve({ kind: 'aborted' });
    };
    const timer = setTimeout(() => {
      if (finish()) resolve({ kind: 'timeout' });
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        if (finish()) resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One resettable deadline: arm() replaces the previous one; disarm() cancels it. */
export class Watchdog {
  private timer: NodeJS.Timeout | null = null;

  arm(timeoutMs: number, onExpired: () => void): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = null;
      onExpired();
    }, timeoutMs);
  }

  disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  get armed(): boolean {
    return this.timer !== null;
  }
}
