// The call's link to the Realtime API across socket drops. The first
// connection gets the session, then the items and events asked for while it
// opened. A socket that drops with a retryable failure is opened again
// (media/providers/reconnect.ts: bounded attempts with backoff, a per-call
// budget): the new server-side conversation starts empty, so it gets the
// session again and the conversation so far (`reseed`), and the agent carries
// on; the caller hears only the gap. While the link is down, events are not
// queued: everything the new session must know is in the reseed, and events
// for the old session (a cancel, a truncation) mean nothing to the new one.
// A refused key, a rejected request, an exhausted budget or failed attempts
// are the call's provider failure (`onDown`).
import type { Logger } from 'pino';
import type { ProviderError } from '../../providers/provider-error.js';
import { isRetryableFailure, ReconnectBudget, reopen, type ReconnectPolicy } from '../../providers/reconnect.js';
import { RealtimeConnection, type RealtimeServerEvent } from './realtime-connection.js';

type ClientEvent = Record<string, unknown>;

export interface RealtimeLinkDeps {
  readonly apiKey: string;
  readonly baseURL: string;
  readonly model: string;
  /** The call's signal: aborting it stops opening and reopening. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly logger: Logger;
  /** The session.update of a new connection (instructions and tools as they are now). */
  readonly session: () => ClientEvent;
  /** Items the first connection starts with (a moved call's conversation). */
  readonly firstItems: () => ClientEvent[];
  /** The conversation so far, for a reopened connection (asked once it is ready). */
  readonly reseed: () => ClientEvent[];
  readonly onEvent: (event: RealtimeServerEvent) => void;
  /** The socket dropped and is being opened again: per-session state ends here. */
  readonly onDropped: (cause: ProviderError) => void;
  /** A reopened session is ready and reseeded. */
  readonly onReopened: (attempt: number) => void;
  readonly onDown: (error: unknown) => void;
  readonly policy?: ReconnectPolicy;
}

export class RealtimeLink {
  readonly #deps: RealtimeLinkDeps;
  readonly #budget: ReconnectBudget;
  /** Events asked for before the first connection was ready, sent in order once it is. */
  readonly #outbox: ClientEvent[] = [];
  #connection: RealtimeConnection | null = null;
  #opened = false;
  #closed = false;

  constructor(deps: RealtimeLinkDeps) {
    this.#deps = deps;
    this.#budget = new ReconnectBudget(deps.policy);
  }

  /** A session is open and ready for events. */
  get ready(): boolean {
    return this.#connection !== null;
  }

  async open(): Promise<void> {
    try {
      const connection = await this.#connect(this.#deps.signal);
      if (this.#closed) return connection.close();
      this.#connection = connection;
      this.#opened = true;
      for (const event of [...this.#deps.firstItems(), ...this.#outbox.splice(0)]) connection.send(event);
    } catch (error: unknown) {
      if (!this.#closed) this.#deps.onDown(error);
    }
  }

  send(event: ClientEvent): void {
    if (this.#connection) this.#connection.send(event);
    else if (!this.#opened && !this.#closed) this.#outbox.push(event);
  }

  close(): void {
    this.#closed = true;
    this.#outbox.length = 0;
    this.#connection?.close();
    this.#connection = null;
  }

  #connect(signal: AbortSignal): Promise<RealtimeConnection> {
    const { apiKey, baseURL, model } = this.#deps;
    return RealtimeConnection.open({
      apiKey,
      baseURL,
      model,
      session: this.#deps.session(),
      signal,
      onEvent: (event) => {
        if (!this.#closed) this.#deps.onEvent(event);
      },
      onLost: (error) => void this.#lost(error),
    });
  }

  async #lost(cause: ProviderError): Promise<void> {
    if (this.#closed || this.#deps.signal.aborted) return;
    this.#connection = null;
    if (!isRetryableFailure(cause) || !this.#budget.take(this.#deps.now())) {
      this.#deps.onDown(cause);
      return;
    }
    this.#deps.logger.warn({ err: cause }, 'realtime socket dropped; opening a new session');
    this.#deps.onDropped(cause);
    let attempts = 0;
    try {
      const connection = await reopen((signal) => this.#connect(signal), cause, {
        signal: this.#deps.signal,
        ...(this.#deps.policy ? { policy: this.#deps.policy } : {}),
        onAttempt: (attempt) => {
          attempts = attempt;
        },
      });
      if (this.#closed) return connection.close();
      this.#connection = connection;
      for (const event of this.#deps.reseed()) connection.send(event);
      this.#deps.onReopened(attempts);
    } catch (error: unknown) {
      if (!this.#closed && !this.#deps.signal.aborted) this.#deps.onDown(error);
    }
  }
}
