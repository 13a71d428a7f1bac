// The gateway's client of the backend's internal API (media/contract/backend.ts):
// turn records, failures, and actions that need ARI (hang up, transfer) or the
// database (messages). Reports are retried in the background so that a slow or
// restarting backend never blocks a call; actions are answered once.
import type { Logger } from 'pino';
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
  requestTimeoutMs?: number;
  /** Attempts for reports (turns, failures); actions are tried once. */
  reportAttempts?: number;
  retryDelayMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;
const DEFAULT_REPORT_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 500;

export class BackendClient {
  readonly #options: BackendClientOptions;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: BackendClientOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
  }

  /** Stores a turn record (retried in the background). */
  reportTurn(callId: string, turn: TurnReport): void {
    this.#track(this.#report(backendPaths.turns(callId), turn, 'turn report'));
  }

  reportFailure(callId: string, failure: FailureReport): void {
    this.#track(this.#report(backendPaths.failures(callId), failure, 'failure report'));
  }

  /** Asks the backend to act; never throws (a failed request answers ok: false). */
  async action(callId: string, action: CallAction): Promise<ActionResult> {
    try {
      const body = await this.#post(backendPaths.actions(callId), action, ActionResult);
      return body ?? { ok: false, message: 'the backend gave no answer' };
    } catch (error) {
      this.#options.logger.error({ err: error, action: action.type }, 'call action request failed');
      return { ok: false, message: 'the control plane could not be reached' };
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
    const attempts = this.#options.reportAttempts ?? DEFAULT_REPORT_ATTEMPTS;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        await this.#post(path, body, null);
        return;
      } catch (error) {
        const final = attempt === attempts || (error instanceof BackendHttpError && error.status < 500);
        if (final) {
          // Kept in the log in full so that nothing is lost even if the backend never takes it;
          // a turn's `text` is a field LOG_REDACT_PII removes (media/contract/log-fields.ts).
          this.#options.logger.error({ err: error, path, report: body }, `${what} could not be delivered`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, (this.#options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) * attempt));
      }
    }
  }

  async #post<T>(path: string, body: unknown, schema: z.ZodType<T> | null): Promise<T | null> {
    const response = await fetch(`${this.#options.url}${path}`, {
      method: 'POST',
      headers: { authorization: bearer(this.#options.token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    });
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
