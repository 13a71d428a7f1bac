// Wires the backend together: HTTP API, database, ARI connection and calls.
// `startBackend` is what `npm start` runs and what integration tests start
// in-process with their own configuration.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AriClient } from './ari/client.js';
import type { AriStatus } from './ari/status.js';
import { backoffDelayMs } from './timing/backoff.js';
import { sleep } from './timing/sleep.js';
import type { Config } from './config.js';
import { applyMigrations, createDb, isTransientDbError, resolveDatabaseUrl, redactUrl, type Db, type ResolvedDatabase } from './db/index.js';
import { describeError } from './errors.js';
import { buildApp } from './http/app.js';
import { MediaGatewayClient } from './media-gateway/client.js';
import type { ReadinessCheck } from './readiness.js';
import { prismaBusinessDirectory } from './calls/business-directory.js';
import { CallLogWriter } from './calls/call-log-writer.js';
import { closeRowsLeftOpen, prismaCallLogStore } from './calls/call-log-store.js';
import { AiShareRouter } from './calls/ai-share-router.js';
import { CallManager } from './calls/call-manager.js';
import { prismaConversationStore } from './calls/conversation-store.js';
import { OutboundService } from './outbound/outbound-service.js';
import { createInternalApi, type InternalApi } from './calls/internal-api.js';
import { createAdminServices } from './admin/admin-services.js';
import type { AdminServices } from './admin/admin-routes.js';
import { LiveCallFeed } from './staff/live-feed.js';
import { observedCallLogStore, observedConversationStore } from './staff/observed-stores.js';
import { createStaffServices, type StaffServices } from './staff/staff-services.js';
import { createConsoleServices, type ConsoleServices } from './console/console-services.js';

export interface Backend {
  readonly app: FastifyInstance;
  readonly ari: AriClient;
  readonly calls: CallManager;
  readonly db: Db;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  /** Graceful stop: not ready, drain calls, close ARI, HTTP, database. Idempotent. */
  stop(): Promise<void>;
}

const DB_RETRY = { minMs: 250, maxMs: 5_000 } as const;

export class StartAbortedError extends Error {
  constructor() {
    super('start-up aborted while waiting for the database');
    this.name = 'StartAbortedError';
  }
}
const WRITER_FLUSH_MS = 3_000;

export interface StartOptions {
  /** Aborting it during start-up (e.g. SIGTERM) releases what was started and rejects. */
  signal?: AbortSignal;
}

export async function startBackend(config: Config, logger: Logger, options: StartOptions = {}): Promise<Backend> {
  const signal = options.signal ?? new AbortController().signal;
  let draining = false;
  let dbStatus: string | null = 'starting';
  let ariStatus: AriStatus | null = null;
  let db: Db | undefined;

  const readiness: ReadinessCheck[] = [
    { name: 'shutdown', check: () => (draining ? 'the backend is shutting down' : null) },
    { name: 'ari', check: () => describeAriReadiness(ariStatus, config.ari.appName) },
    {
      name: 'database',
      check: async () => {
        if (!db) return dbStatus;
        try {
          await db.ping(config.db.readyTimeoutMs);
          return null;
        } catch (error) {
          return `unreachable: ${describeError(error)}`;
        }
      },
    },
  ];
  // Routes are fixed before listening; the internal, staff and admin APIs answer 503 until the calls exist.
  let internalApi: InternalApi | null = null;
  let staffServices: StaffServices | null = null;
  let adminServices: AdminServices | null = null;
  let consoleServices: ConsoleServices | null = null;
  const live = new LiveCallFeed({ now: () => new Date() });
  const onLiveFeedError = (err: unknown) => logger.error({ err }, 'live call feed listener failed');
  const app = buildApp({
    logger,
    readiness,
    internal: { token: config.media.token, api: () => internalApi },
    staff: {
      services: () => staffServices,
      cookieSecure: config.staff.cookieSecure,
      liveHeartbeatMs: config.staff.liveHeartbeatMs,
    },
    admin: { operatorToken: config.admin.operatorToken, services: () => adminServices },
    console: {
      services: () => consoleServices,
      cookieSecure: config.staff.cookieSecure,
      operatorToken: config.admin.operatorToken,
    },
    trustProxy: config.staff.trustProxy,
  });
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
  logger.info({ url }, 'HTTP API listening');

  let database: ResolvedDatabase | undefined;
  let openedDb: Db;
  try {
    database = await resolveDatabaseUrl({
      databaseUrl: config.db.url,
      embeddedDir: config.db.embeddedDir,
      embeddedPort: config.db.embeddedPort,
      logger,
    });
    dbStatus = 'connecting';
    openedDb = await prepareDatabase(database.url, config, logger, signal);
  } catch (error) {
    await app.close();
    await database?.stop();
    throw error;
  }
  db = openedDb;
  dbStatus = null;
  const resolvedDatabase = database;

  const writer = new CallLogWriter({
    store: observedCallLogStore(prismaCallLogStore(openedDb.prisma), live, onLiveFeedError),
    logger: logger.child({ component: 'call-log-writer' }),
    isTransient: isTransientDbError,
  });
  const ari = new AriClient({ ...config.ari, logger });
  const conversations = observedConversationStore(prismaConversationStore(openedDb.prisma), live, onLiveFeedError);
  const directory = prismaBusinessDirectory(openedDb.prisma);
  const calls = new CallManager({
    ari: ari.rest,
    media: new MediaGatewayClient(config.media),
    writer,
    directory,
    settings: {
      appName: config.ari.appName,
      mediaTransport: config.ari.mediaTransport,
      mediaFormat: config.ari.mediaFormat,
      mediaWebSocketUrl: config.ari.mediaWebSocketUrl,
      defaultCountryCode: config.calls.defaultCountryCode,
      externalMediaStasisTimeoutMs: config.calls.externalMediaStasisTimeoutMs,
      transferRingTimeoutS: config.calls.transferRingTimeoutS,
      announcementTimeoutMs: config.calls.announcementTimeoutMs,
      outbound: config.outbound,
    },
    logger,
    now: () => new Date(),
    newId: randomUUID,
    aiShare: new AiShareRouter(),
    conversation: conversations,
  });
  const outbound = new OutboundService({
    prisma: openedDb.prisma,
    calls,
    isReady: () => !draining && ariStatus?.state === 'connected',
    logger,
    now: () => new Date(),
    newId: randomUUID,
  });

  live.useLiveness((callId) => calls.lookup(callId).state === 'live');
  internalApi = createInternalApi({ calls, store: conversations, logger });
  staffServices = createStaffServices({
    prisma: openedDb.prisma,
    live,
    outbound,
    sessionTtlMs: config.staff.sessionTtlMs,
    recordingsDir: config.staff.recordingsDir,
  });
  adminServices = createAdminServices({
    prisma: openedDb.prisma,
    live,
    activeCalls: () => calls.activeCalls,
    readiness,
    gateway: { url: config.media.url, timeoutMs: config.media.timeoutMs },
    outbound,
  });
  consoleServices = createConsoleServices({ prisma: openedDb.prisma, staff: staffServices, admin: adminServices });

  ari.onEvent((event) => calls.handleEvent(event));
  ari.onStatus((status, previous) => {
    ariStatus = status;
    if (status.state === 'connected' && previous.state !== 'connected') {
      calls.reconcile().catch((err: unknown) => logger.warn({ err }, 'reconciliation after connecting failed'));
    }
    if (status.state === 'replaced' && previous.state !== 'replaced') {
      void calls.endAll({
        cause: 'app_replaced',
        status: 'interrupted',
        error: 'another process took over the ARI application',
        hangupReason: 'normal',
      });
    }
  });
  ariStatus = ari.status;
  ari.start();

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      logger.info('backend stopping');
      await calls.drain(config.calls.shutdownDrainMs);
      await ari.close();
      await app.close();
      const unsaved = await writer.flush(WRITER_FLUSH_MS);
      if (unsaved.length > 0) logger.error({ unsaved: unsaved.length }, 'call log records not stored at shutdown');
      writer.close();
      await openedDb.close();
      await resolvedDatabase.stop(); // stops the embedded server; nothing for DATABASE_URL
      logger.info('backend stopped');
    })();
    return stopping;
  };

  return { app, ari, calls, db: openedDb, url, stop };
}

/**
 * Connects, migrates and closes rows a previous run left open. A database that
 * is not reachable yet is waited for (one log line per attempt); any other
 * failure (bad migration, bad credentials) stops the start.
 */
async function prepareDatabase(url: string, config: Config, logger: Logger, signal: AbortSignal): Promise<Db> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      if (config.db.migrateOnStart) {
        const { applied } = await applyMigrations(url, { logger });
        if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
      }
      const db = createDb(url, { logger });
      const closed = await closeRowsLeftOpen(db.prisma, new Date()).catch(async (error: unknown) => {
        await db.close();
        throw error;
      });
      if (closed > 0) logger.warn({ rows: closed }, 'closed call log rows left open by a previous run as interrupted');
      logger.info({ database: redactUrl(url) }, 'database ready');
      return db;
    } catch (error) {
      if (!isTransientDbError(error)) throw error;
      const delayMs = backoffDelayMs(attempt, DB_RETRY, Math.random);
      logger.warn({ attempt: attempt + 1, delayMs, err: describeError(error) }, 'database not reachable yet; retrying');
      await sleep(delayMs, signal);
      if (signal.aborted) throw new StartAbortedError();
    }
  }
}

function describeAriReadiness(status: AriStatus | null, appName: string): string | null {
  if (!status) return 'not started';
  if (status.state === 'connected' && status.registered) return null;
  if (status.state === 'replaced') return `another process took over the ARI application "${appName}"`;
  return status.lastError ? `${status.state}: ${status.lastError}` : status.state;
}
