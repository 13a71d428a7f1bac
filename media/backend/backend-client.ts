// The gateway's client of the backend's internal API (media/contract/backend.ts):
// turn records, failures, and actions that need ARI (hang up, transfer) or the
// database (messages). BACKEND_URL names the backend as a service (any replica
// answers; the one that does not hold the call forwards its actions), so while
// no replica answers (a replica died, a node is being taken over) what could not
// be delivered is sent again, within bounds:
// - reports are retried in the background with capped exponential backoff, for
//   `reportAttempts` attempts (about 40 s by default); at most `maxPendingReports`
//   wait at once (the oldest is given up first, logged in full). A call never
//   waits for them;
// - actions are retried only when they surely did not run: the backend could not
//   be reached at all, or answered 503 (retry later); `actionAttempts` tries in a
//   few seconds. A request that timed out may have run and is not repeated.
import type { Logger } from 'pino';
import type { CallTraces } from './call-traces.js';
import type { z } from 'zod';
import { bearer } from '../contract/sessions.js';
import {
  ActionResult,
  backendPaths,
  type CallAction,
  type FailureReport,
  type TurnReport,
} from '../contract/backend.js';

export interface BackendClientOptions {
  /** e.g. http://backend:3000 (no trailing slash). */
  url: string;
  token: string;
  logger: Logger;
  /** The call traces the reported turns and failures are added to. */
  traces?: CallTraces;
  requestTimeoutMs?: number;
  /** Attempts for reports (turns, failures). */
  reportAttempts?: number;
  /** Attempts for actions (only repeated when they surely did not run). */
  actionAttempts?: number;
  /** First retry delay; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Reports waiting to be delivered at most. */
  maxPendingReports?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;
const DEFAULT_REPORT_ATTEMPTS = 12;
const DEFAULT_ACTION_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 500;
const DEFAULT_MAX_RETRY_DELAY_MS = 5_000;
const DEFAULT_MAX_PENDING_REPORTS = 1_000;
/** Actions wait for the caller: their retries are quicker than the reports'. */
const ACTION_MAX_RETRY_DELAY_MS = 1_000;

interface PendingReport {
  readonly abort: AbortController;
  readonly path: string;
  readonly body: unknown;
  readonly what: string;
}

export class BackendClient {
  readonly #options: BackendClientOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Reports not delivered yet, oldest first. */
  readonly #pending = new Set<PendingReport>();
  /** The last report of each call's turn still being sent. */
  readonly #turnReports = new Map<string, Promise<void>>();

  constructor(options: BackendClientOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
  }

  /** Stores a turn record (retried in the background). */
  reportTurn(callId: string, turn: TurnReport): void {
    this.#options.traces?.turn(callId, turn);
    // A turn reported again (its transcript came later) is sent after the earlier report, so the
    // last one written is the last one made.
    const key = `${callId}\u0000${turn.seq}`;
    const previous = this.#turnReports.get(key);
    const sent = (previous ?? Promise.resolve()).then(() => this.#report(backendPaths.turns(callId), turn, 'turn report'));
    this.#turnReports.set(key, sent);
    void sent.finally(() => {
      if (this.#turnReports.get(key) === sent) this.#turnReports.delete(key);
    });
    this.#track(sent);
  }

  reportFailure(callId: string, failure: FailureReport): void {
    this.#options.traces?.failure(callId, failure);
    this.#track(this.#report(backendPaths.failures(callId), failure, 'failure report'));
  }

  /** Reports waiting to be delivered. */
  get pendingReports(): number {
    return this.#pending.size;
  }

  /** Asks the backend to act; never throws (a failed request answers ok: false). */
  async action(callId: string, action: CallAction): Promise<ActionResult> {
    const attempts = this.#options.actionAttempts ?? DEFAULT_ACTION_ATTEMPTS;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const body = await this.#post(backendPaths.actions(callId), action, ActionResult);
        return body ?? { ok: false, message: 'the backend gave no answer' };
      } catch (error) {
        if (attempt < attempts && didNotRun(error)) {
          this.#options.logger.warn({ err: error, action: action.type, attempt }, 'call action not delivered; trying again');
          await sleep(this.#delayMs(attempt, ACTION_MAX_RETRY_DELAY_MS));
          continue;
        }
        this.#options.logger.error({ err: error, action: action.type }, 'call action request failed');
        return { ok: false, message: 'the control plane could not be reached' };
      }
    }
  }

  /** Waits for reports still being sent (shutdown), up to `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #track(promise: Promise<unknown>): void {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
  }

  async #report(path: string, body: unknown, what: string): Promise<void> {
    const pending: PendingReport = { abort: new AbortController(), path, body, what };
    this.#pending.add(pending);
    const max = this.#options.maxPendingReports ?? DEFAULT_MAX_PENDING_REPORTS;
    if (this.#pending.size > max) {
      const oldest = this.#pending.values().next().value!;
      this.#giveUp(oldest, new Error(`more than ${max} reports waiting for the backend`));
    }
    const attempts = this.#options.reportAttempts ?? DEFAULT_REPORT_ATTEMPTS;
    try {
      for (let attempt = 1; attempt <= attempts && !pending.abort.signal.aborted; attempt += 1) {
        try {
          await this.#post(path, body, null);
          return;
        } catch (error) {
          const final = attempt === attempts || (error instanceof BackendHttpError && error.status < 500);
          if (final) {
            this.#giveUp(pending, error);
            return;
          }
          await sleep(this.#delayMs(attempt, this.#options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS), pending.abort.signal);
        }
      }
    } finally {
      this.#pending.delete(pending);
    }
  }

  /**
   * Kept in the log in full so that nothing is lost even if the backend never
   * takes it; a turn's `text` is a field LOG_REDACT_PII removes (media/contract/log-fields.ts).
   */
  #giveUp(pending: PendingReport, error: unknown): void {
    if (pending.abort.signal.aborted) return;
    pending.abort.abort();
    this.#pending.delete(pending);
    this.#options.logger.error({ err: error, path: pending.path, report: pending.body }, `${pending.what} could not be delivered`);
  }

  #delayMs(attempt: number, maxMs: number): number {
    const base = this.#options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    return Math.min(maxMs, base * 2 ** (attempt - 1));
  }

  async #post<T>(path: string, body: unknown, schema: z.ZodType<T> | null): Promise<T | null> {
    let response: Response;
    try {
      response = await fetch(`${this.#options.url}${path}`, {
        method: 'POST',
        headers: { authorization: bearer(this.#options.token), 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new BackendUnreachableError(error);
    }
    const text = await response.text();
    if (!response.ok) throw new BackendHttpError(response.status, text.slice(0, 300));
    if (schema === null || text === '') return null;
    return schema.parse(JSON.parse(text));
  }
}

export class BackendHttpError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`backend answered ${status}: ${body}`);
    this.name = 'BackendHttpError';
  }
}

/** No answer at all; `connected` is false when the request surely never reached a backend. */
export class BackendUnreachableError extends Error {
  readonly connected: boolean;
  constructor(cause: unknown) {
    const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
    const code = (inner as { code?: unknown } | null)?.code;
    super(`backend unreachable: ${typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'request failed'}`, { cause });
    this.name = 'BackendUnreachableError';
    this.connected = !(code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH');
  }
}

/** The backend surely did not act: nobody took the request, or it said to retry later. */
function didNotRun(error: unknown): boolean {
  if (error instanceof BackendUnreachableError) return !error.connected;
  return error instanceof BackendHttpError && error.status === 503;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
