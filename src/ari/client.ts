// AriClient: keeps one registered events socket for a Stasis application and exposes typed REST.
// A supervisor loop (never throws) walks through:
//   waiting_for_asterisk (GET /asterisk/ping, backoff) -> connecting (events socket, then
//   GET /applications/{app} until 200) -> connected -> on loss: disconnected, backoff, again.
// When Asterisk sends ApplicationReplaced (another process opened a socket for the same app) the
// client enters `replaced` and does not fight over the name: it polls GET /applications/{app}
// and reconnects only once the name is free again (404).
// Events of the current socket are delivered from the moment it opens (also while registration
// is being confirmed), so a StasisStart that races the confirmation is never lost. Events of a
// socket the supervisor has moved on from are ignored (generation counter).

import type { Logger } from 'pino';
import { backoffDelayMs } from '../timing/backoff.js';
import { validateAriClientOptions, type AriClientOptions } from './client-options.js';
import { Connection, describeSocketEnd } from './connection.js';
import { AriError } from './errors.js';
import { EventDispatch, type AriEventHandler } from './event-dispatch.js';
import type { EventSocketEnd } from './event-socket.js';
import { AriRest } from './rest.js';
import { sleep } from '../timing/sleep.js';
import { AriStatusStore, type AriState, type AriStatus, type AriStatusListener } from './status.js';
import type { Application } from './types.js';
import { normalizeAriUrl } from './url.js';

export type { AriClientOptions, AriClientTimings } from './client-options.js';
export { ARI_CLIENT_DEFAULT_TIMINGS } from './client-options.js';
export type { AriEventHandler } from './event-dispatch.js';
export type { AriState, AriStatus, AriStatusListener } from './status.js';

/** Asterisk registers the app during the upgrade; GET /applications can lag a moment behind. */
const REGISTRATION_CHECK_ATTEMPTS = 5;
const REGISTRATION_CHECK_DELAY_MS = 100;

type ConnectedOutcome = 'ended' | 'replaced';

export class AriClient {
  readonly rest: AriRest;
  private readonly options: Readonly<Omit<AriClientOptions, 'logger' | 'random'>>;
  private readonly wsBase: string;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly store: AriStatusStore;
  private readonly events: EventDispatch;
  private readonly connections = new Set<Connection>();
  private readonly shutdown = new AbortController();
  private loop: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  /** Incremented whenever the supervisor stops listening to a socket; stale sockets are ignored. */
  private generation = 0;
  /** Consecutive failures feeding the backoff; reset after a connection stayed up long enough. */
  private failures = 0;

  constructor(options: AriClientOptions) {
    validateAriClientOptions(options);
    const urls = normalizeAriUrl(options.url);
    const { logger, random, ...rest } = options;
    this.options = Object.freeze(rest);
    this.wsBase = urls.wsBase;
    this.logger = logger.child({ component: 'ari-client', appName: options.appName });
    this.random = random ?? Math.random;
    this.rest = new AriRest({
      httpBase: urls.httpBase,
      username: options.username,
      password: options.password,
      requestTimeoutMs: options.requestTimeoutMs,
      logger,
    });
    this.events = new EventDispatch(this.logger);
    this.store = new AriStatusStore((error) =>
      this.logger.error({ err: error }, 'ARI status listener threw; ignored'),
    );
  }

  get status(): AriStatus {
    return this.store.status;
  }

  /** Starts the supervisor loop; it runs until close(). Calling it again has no effect. */
  start(): void {
    if (this.loop || this.closing) return;
    this.loop = this.supervise();
  }

  /** Stops timers, closes the socket(s) with 1000 and ends the loop. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.generation += 1;
      this.shutdown.abort();
      await this.loop;
      await Promise.all([...this.connections].map((connection) => connection.close()));
      this.connections.clear();
      this.store.update({ state: 'closed', registered: false, connectedAt: null });
      this.logger.info('ARI client closed');
    })();
    return this.closing;
  }

  /** Known event types from the current socket; handler errors are logged, never propagated. */
  onEvent(handler: AriEventHandler): () => void {
    return this.events.subscribe(handler);
  }

  onStatus(listener: AriStatusListener): () => void {
    return this.store.subscribe(listener);
  }

  waitForState(state: AriState, timeoutMs: number): Promise<void> {
    return this.store.waitForState(state, timeoutMs);
  }

  private get closed(): boolean {
    return this.shutdown.signal.aborted;
  }

  private async supervise(): Promise<void> {
    while (!this.closed) {
      try {
        await this.runOnce();
      } catch (error) {
        if (this.closed) break;
        this.logger.error({ err: error }, 'ARI supervisor step failed unexpectedly');
        await this.retryLater('internal error', String(error));
      }
    }
  }

  /** One pass: health gate, connect, verify, stay connected until the socket is lost. */
  private async runOnce(): Promise<void> {
    this.store.update({ state: 'waiting_for_asterisk', registered: false, connectedAt: null });
    if (!(await this.asteriskAnswers())) return;

    this.store.update({ state: 'connecting' });
    const connection = this.openConnection();
    const failure = await this.untilShutdown(
      Promise.race([connection.opened.then(() => null), connection.ended]),
    );
    if (this.closed) return;
    if (failure !== null) {
      await this.failedSocket(failure);
      return;
    }

    const registrationError = await this.verifyRegistration(connection);
    if (this.closed) return;
    if (registrationError !== null) {
      this.generation += 1;
      await this.closeConnection(connection);
      await this.retryLater('not registered', registrationError);
      return;
    }

    const connectedAt = Date.now();
    this.store.update({ state: 'connected', registered: true, connectedAt, connectAttempts: 0 });
    this.logger.info('ARI connected; application registered');

    const outcome = await this.untilShutdown(
      Promise.race<ConnectedOutcome>([
        connection.ended.then(() => 'ended'),
        connection.replaced.then(() => 'replaced'),
      ]),
    );
    if (outcome === null || this.closed) return;
    if (outcome === 'replaced') {
      await this.stayReplaced(connection);
      return;
    }
    await this.handleLostConnection(await connection.ended, connectedAt);
  }

  /** Resolves with `pending`'s value, or with null as soon as close() is called. */
  private untilShutdown<T>(pending: Promise<T>): Promise<T | null> {
    const signal = this.shutdown.signal;
    if (signal.aborted) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const onShutdown = (): void => resolve(null);
      signal.addEventListener('abort', onShutdown, { once: true });
      pending.then(
        (value) => {
          signal.removeEventListener('abort', onShutdown);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onShutdown);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** GET /asterisk/ping; on failure logs one line for this attempt and waits the backoff delay. */
  private async asteriskAnswers(): Promise<boolean> {
    try {
      await this.rest.request('GET', '/asterisk/ping', { signal: this.shutdown.signal });
      return true;
    } catch (error) {
      if (this.closed) return false;
      const reason = pingFailureReason(error);
      const detail = error instanceof Error ? error.message : String(error);
      await this.retryLater(reason, reason === 'unauthorized' ? `ARI credentials rejected: ${detail}` : detail);
      return false;
    }
  }

  private openConnection(): Connection {
    this.generation += 1;
    const generation = this.generation;
    const connection = new Connection(
      {
        wsBase: this.wsBase,
        appName: this.options.appName,
        username: this.options.username,
        password: this.options.password,
        handshakeTimeoutMs: this.options.requestTimeoutMs,
        pingIntervalMs: this.options.pingIntervalMs,
        pongTimeoutMs: this.options.pongTimeoutMs,
        logger: this.logger,
      },
      {
        isCurrent: () => generation === this.generation && !this.closed,
        onEvent: (event) => this.events.dispatch(event),
        onMalformed: () => this.store.update({ malformedEvents: this.status.malformedEvents + 1 }),
      },
    );
    this.connections.add(connection);
    void connection.ended.then(() => this.connections.delete(connection));
    return connection;
  }

  private async closeConnection(connection: Connection): Promise<void> {
    this.connections.delete(connection);
    await connection.close();
  }

  private async failedSocket(end: EventSocketEnd): Promise<void> {
    this.generation += 1;
    const reason =
      end.kind === 'rejected' ? (end.unauthorized ? 'unauthorized' : `http ${end.status}`) : 'unreachable';
    await this.retryLater(reason, describeSocketEnd(end));
  }

  /** Null once GET /applications/{app} answers 200, else why registration could not be confirmed. */
  private async verifyRegistration(connection: Connection): Promise<string | null> {
    for (let check = 1; check <= REGISTRATION_CHECK_ATTEMPTS; check += 1) {
      try {
        const application = await this.findApplication();
        if (connection.end !== null) return describeSocketEnd(connection.end);
        if (application !== null) return null;
      } catch (error) {
        if (connection.end !== null) return describeSocketEnd(connection.end);
        return error instanceof Error ? error.message : String(error);
      }
      this.logger.debug({ check }, 'ARI application not listed yet after socket open');
      await sleep(REGISTRATION_CHECK_DELAY_MS, this.shutdown.signal);
      if (this.closed) return 'closed';
    }
    return `application "${this.options.appName}" not registered after the events socket opened`;
  }

  private async handleLostConnection(end: EventSocketEnd, connectedAt: number): Promise<void> {
    this.generation += 1;
    const uptimeMs = Date.now() - connectedAt;
    if (uptimeMs > this.options.reconnectMaxMs) this.failures = 0;
    const description = describeSocketEnd(end);
    const delayMs = this.nextDelayMs();
    this.store.update({ state: 'disconnected', registered: false, connectedAt: null, lastError: description });
    this.logger.warn(
      {
        kind: end.kind,
        code: end.kind === 'closed' ? end.code : undefined,
        closeReason: end.kind === 'closed' ? end.reason : undefined,
        uptimeMs,
        nextDelayMs: delayMs,
      },
      'ARI events socket lost; reconnecting',
    );
    await sleep(delayMs, this.shutdown.signal);
  }

  /**
   * Another process took the application name. The stale socket stays open and untouched (its
   * events are ignored); once GET /applications/{app} answers 404 the name is free and the
   * supervisor reconnects normally.
   */
  private async stayReplaced(connection: Connection): Promise<void> {
    this.generation += 1;
    this.store.update({
      state: 'replaced',
      registered: false,
      connectedAt: null,
      lastError: `another ARI client registered application "${this.options.appName}"`,
    });
    this.logger.error(
      { replacedCheckMs: this.options.replacedCheckMs },
      'another process registered the same ARI application name; not reconnecting while it holds it',
    );
    while (!this.closed) {
      await sleep(this.options.replacedCheckMs, this.shutdown.signal);
      if (this.closed) return;
      try {
        const application = await this.findApplication();
        if (application === null) break;
      } catch (error) {
        this.logger.debug({ err: error }, 'ARI application check failed while replaced');
      }
    }
    if (this.closed) return;
    this.logger.info('ARI application name is free again; reconnecting');
    await this.closeConnection(connection);
    this.failures = 0;
  }

  /** GET /applications/{app} (null on 404), aborted by close() unlike the public typed method. */
  private async findApplication(): Promise<Application | null> {
    try {
      return await this.rest.request<Application>('GET', `/applications/${encodeURIComponent(this.options.appName)}`, {
        signal: this.shutdown.signal,
      });
    } catch (error) {
      if (error instanceof AriError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  private nextDelayMs(): number {
    const delayMs = backoffDelayMs(
      this.failures,
      { minMs: this.options.reconnectMinMs, maxMs: this.options.reconnectMaxMs },
      this.random,
    );
    this.failures += 1;
    return delayMs;
  }

  /** Records a failed attempt, logs exactly one line for it and waits the backoff delay. */
  private async retryLater(reason: string, detail: string): Promise<void> {
    const attempt = this.status.connectAttempts + 1;
    const delayMs = this.nextDelayMs();
    this.store.update({ connectAttempts: attempt, lastError: detail, registered: false });
    const fields = { attempt, reason, error: detail, nextDelayMs: delayMs, state: this.status.state };
    if (reason === 'unauthorized') {
      this.logger.error(fields, 'ARI credentials rejected by Asterisk; retrying');
    } else {
      this.logger.warn(fields, 'ARI not available; retrying');
    }
    await sleep(delayMs, this.shutdown.signal);
  }
}

function pingFailureReason(error: unknown): string {
  if (!(error instanceof AriError)) return 'unreachable';
  if (error.kind === 'unauthorized') return 'unauthorized';
  if (error.status !== undefined) return `http ${error.status}`;
  return 'unreachable';
}
