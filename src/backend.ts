// Wires the backend together: HTTP API, database, the Asterisk nodes (ARI
// connection and calls of each node whose lease this replica holds) and calls.
// `startBackend` is what `npm start` runs and what integration tests start
// in-process with their own configuration.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createTracing } from '../media/contract/tracing.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AriClient } from './ari/client.js';
import { backoffDelayMs } from './timing/backoff.js';
import { sleep } from './timing/sleep.js';
import type { Config } from './config.js';
import { applyMigrations, createDb, isTransientDbError, resolveDatabaseUrl, redactUrl, type Db, type ResolvedDatabase } from './db/index.js';
import { describeError } from './errors.js';
import { buildApp } from './http/app.js';
import { createMediaGateways } from './media-gateway/media-gateways.js';
import { ClipWarmup } from './calls/clip-warmup.js';
import type { ReadinessCheck } from './readiness.js';
import { prismaBusinessDirectory } from './calls/business-directory.js';
import { CallLogWriter } from './calls/call-log-writer.js';
import { closeRowsLeftOpen, prismaCallLogStore } from './calls/call-log-store.js';
import { SharedAiShareRouter } from './calls/shared-ai-share.js';
import { DEFAULT_ENDED_CALL_GRACE_MS } from './calls/call-manager.js';
import { callForwarding } from './cluster/call-forwarding.js';
import { prismaConversationStore } from './calls/conversation-store.js';
import { OutboundService } from './outbound/outbound-service.js';
import { createInternalApi, type InternalApi } from './calls/internal-api.js';
import { createAdminServices } from './admin/admin-services.js';
import { seedFallbackExtensions } from './admin/fallback-extensions.js';
import type { AdminServices } from './admin/admin-routes.js';
import { LiveCallFeed } from './staff/live-feed.js';
import { observedCallLogStore, observedConversationStore } from './staff/observed-stores.js';
import { createStaffServices, type StaffServices } from './staff/staff-services.js';
import { RetentionJob } from './staff/retention-job.js';
import { createConsoleServices, type ConsoleServices } from './console/console-services.js';
import { WebhookOutbox } from './integrations/webhook-outbox.js';
import { WebhookWorker } from './integrations/webhook-worker.js';
import { createIntegrationServices } from './integrations/integration-services.js';
import type { RecordingLinkServices } from './integrations/recording-link-route.js';
import { AuditLog } from './staff/audit-log.js';
import { RecordingFiles } from './staff/recording-files.js';
import { NodeLeases } from './cluster/node-lease.js';
import { NodeOwnership } from './cluster/node-ownership.js';
import type { NodeRuntime } from './cluster/node-runtime.js';
import { createNodeRuntimes } from './cluster/node-runtimes.js';
import { ReplicaCalls } from './cluster/replica-calls.js';
import { describeNode, nodesProblem } from './cluster/node-readiness.js';
import { recordNodeOwner } from './cluster/cluster-store.js';
import { LiveFeedBridge } from './cluster/live-feed-bridge.js';
import { BackendMetrics, countingFailures, registerMetricsRoute } from './cluster/backend-metrics.js';

export interface Backend {
  readonly app: FastifyInstance;
  /** The first node's current ARI client (an idle one while another replica holds the node). */
  readonly ari: AriClient;
  /** The calls of every node this replica holds. */
  readonly calls: ReplicaCalls;
  /** Every configured Asterisk node, owned here or not. */
  readonly nodes: readonly NodeRuntime[];
  readonly ownership: NodeOwnership;
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
  /** Span processors besides the OTLP exporter (tests collect spans in memory). */
  spanProcessors?: SpanProcessor[];
}

export async function startBackend(config: Config, logger: Logger, options: StartOptions = {}): Promise<Backend> {
  const signal = options.signal ?? new AbortController().signal;
  const tracing = createTracing({ serviceName: 'prosaas-backend', otlpEndpoint: config.tracing.otlpEndpoint, spanProcessors: options.spanProcessors });
  let draining = false;
  let dbStatus: string | null = 'starting';
  // eslint-disable-next-line prefer-const -- the readiness check reads it while HTTP listens, before it is set: a const would be in its dead zone
  let db: Db | undefined;
  let nodes: readonly NodeRuntime[] = [];
  let ownership: NodeOwnership | null = null;
  const nodeReports = () =>
    nodes.map((node) => describeNode(node, ownership?.isLocked(node) ?? null, config.ari.appName, ownership?.holds(node) ?? false));

  const readiness: ReadinessCheck[] = [
    { name: 'shutdown', check: () => (draining ? 'the backend is shutting down' : null) },
    {
      name: 'ari',
      check: () => (nodes.length === 0 ? 'not started' : nodesProblem(nodeReports(), nodes.length === 1)),
      detail: () => ({ replica: config.cluster.replicaId, nodes: nodeReports() }),
    },
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
  let recordingLinkServices: RecordingLinkServices | null = null;
  // The worker exists once the database does; events committed before only wait for its first look.
  let webhookWorker: WebhookWorker | null = null;
  const outbox = new WebhookOutbox({ callEndedDelayMs: config.integrations.webhooks.callEndedDelayMs, onCommitted: () => webhookWorker?.nudge() });
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
    recordingLinks: { secret: config.integrations.recordingLinkSecret, services: () => recordingLinkServices },
  });
  const metrics = new BackendMetrics();
  registerMetricsRoute(app, metrics, config.media.token);
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
    openedDb = await prepareDatabase(database.url, config, logger, signal, outbox);
  } catch (error) {
    metrics.close();
    await app.close();
    await database?.stop();
    await tracing.shutdown().catch(() => undefined);
    throw error;
  }
  db = openedDb;
  dbStatus = null;
  const resolvedDatabase = database;

  const liveBridge = new LiveFeedBridge({
    databaseUrl: resolvedDatabase.url,
    prisma: openedDb.prisma,
    replicaId: config.cluster.replicaId,
    feed: live,
    logger,
  });
  const writer = new CallLogWriter({
    store: liveBridge.publishing(observedCallLogStore(prismaCallLogStore(openedDb.prisma, outbox), live, onLiveFeedError)),
    logger: logger.child({ component: 'call-log-writer' }),
    isTransient: isTransientDbError,
  });
  const { media, pool } = createMediaGateways(config, logger, (url) => {
    for (const node of nodes) void node.calls.moveCallsOff(url);
  });
  pool.start();
  const conversations = observedConversationStore(prismaConversationStore(openedDb.prisma, outbox), live, onLiveFeedError);
  // Shared by the replicas through the database: exact per 100 calls of a business across them.
  const aiShare = new SharedAiShareRouter({ prisma: openedDb.prisma, logger });
  const directory = prismaBusinessDirectory(openedDb.prisma, (businessId, problem) =>
    logger.warn({ businessId, problem }, 'keypad actions of the business ignored'),
  );
  const runtimes = createNodeRuntimes({
    config,
    prisma: openedDb.prisma,
    media,
    writer,
    directory,
    aiShare,
    tracer: tracing.tracer,
    logger,
  });
  nodes = runtimes.nodes;
  const calls = new ReplicaCalls(nodes);
  const outbound = new OutboundService({
    prisma: openedDb.prisma,
    calls,
    isReady: () => !draining && calls.canPlaceCalls,
    logger,
    now: () => new Date(),
    newId: randomUUID,
  });
  metrics.useNodes(nodes);
  const leases = new NodeLeases({
    databaseUrl: config.cluster.lease.databaseUrl ?? resolvedDatabase.url,
    replicaId: config.cluster.replicaId,
    proofIntervalMs: config.cluster.lease.proofIntervalMs,
    proofTimeoutMs: config.cluster.lease.proofTimeoutMs,
    logger,
  });
  const owner = new NodeOwnership({
    leases,
    nodes,
    replicaId: config.cluster.replicaId,
    pollMs: config.cluster.lease.pollMs,
    logger,
    recordOwner: (node) => recordNodeOwner(openedDb.prisma, { node, replicaId: config.cluster.replicaId, replicaUrl: config.cluster.advertiseUrl }),
  });
  ownership = owner;
  logger.info({ replicaId: config.cluster.replicaId, nodes: nodes.map((node) => node.name) }, 'backend replica starting');

  live.useLiveness((callId) => calls.lookup(callId).state === 'live' || liveBridge.isRemoteLive(callId));
  liveBridge.start();
  internalApi = createInternalApi({
    calls,
    elsewhere: callForwarding({
      prisma: openedDb.prisma,
      replicaId: config.cluster.replicaId,
      token: config.media.token,
      timeoutMs: config.ari.requestTimeoutMs,
      endedGraceMs: DEFAULT_ENDED_CALL_GRACE_MS,
    }),
    store: countingFailures(
      liveBridge.publishingTurns(conversations),
      metrics,
    ),
    logger,
  });
  staffServices = createStaffServices({
    prisma: openedDb.prisma,
    live,
    outbound,
    sessionTtlMs: config.staff.sessionTtlMs,
    sessionIdleMs: config.staff.sessionIdleMs,
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
  const integrations = createIntegrationServices({
    prisma: openedDb.prisma,
    audit: staffServices.audit,
    policy: { outbound: config.integrations.outbound },
    onQueued: () => webhookWorker?.nudge(),
  });
  consoleServices = createConsoleServices({ prisma: openedDb.prisma, staff: staffServices, admin: adminServices, integrations });
  const retentionJob = new RetentionJob({
    retention: staffServices.retention,
    pool: openedDb.pool,
    logger: logger.child({ component: 'retention' }),
  });
  retentionJob.start();
  const clipWarmup = new ClipWarmup({
    prisma: openedDb.prisma,
    media,
    logger: logger.child({ component: 'clip-warmup' }),
    pollMs: config.calls.clipWarmPollMs,
  });
  clipWarmup.start();
  recordingLinkServices = {
    prisma: openedDb.prisma,
    files: new RecordingFiles(config.staff.recordingsDir),
    audit: new AuditLog(openedDb.prisma),
  };
  const webhooks = new WebhookWorker({
    prisma: openedDb.prisma,
    logger: logger.child({ component: 'webhooks' }),
    policy: config.integrations.outbound,
    ...config.integrations.webhooks,
    links: { publicUrl: config.integrations.publicUrl, secret: config.integrations.recordingLinkSecret, ttlMs: config.integrations.recordingLinkTtlMs },
  });
  webhookWorker = webhooks;
  webhooks.start();

  owner.start();

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // The last replica standing (as its last lease poll saw) refuses new calls from the moment
      // it is not ready; with others alive, calls keep coming in and are handed over with the node.
      if (owner.liveReplicas <= 1) for (const node of owner.owned()) node.refuseNewCalls();
      draining = true;
      logger.info('backend stopping');
      await retentionJob.stop();
      await clipWarmup.stop();
      // Claims nothing more; events of calls ended below wait in the outbox for the next run or another replica.
      await webhooks.stop();
      await owner.stop();
      await runtimes.identities.close();
      // Another replica alive takes the nodes over and adopts their calls: nothing is ended.
      // The last one standing lets its calls finish (SHUTDOWN_DRAIN_MS) and ends the rest.
      const others = (await leases.liveReplicas().catch(() => 1)) - 1;
      if (others > 0) {
        logger.info({ otherReplicas: others }, 'handing the nodes over to the other replicas');
        await owner.handOverAll();
      } else {
        await Promise.all(owner.owned().map((node) => node.drain(config.calls.shutdownDrainMs)));
      }
      pool.close();
      await leases.close();
      await liveBridge.stop();
      await app.close();
      metrics.close();
      await tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'exporting the last spans failed'));
      const unsaved = await writer.flush(WRITER_FLUSH_MS);
      if (unsaved.length > 0) logger.error({ unsaved: unsaved.length }, 'call log records not stored at shutdown');
      writer.close();
      await openedDb.close();
      await resolvedDatabase.stop(); // stops the embedded server; nothing for DATABASE_URL
      logger.info('backend stopped');
    })();
    return stopping;
  };

  return {
    app,
    get ari() {
      return nodes[0]!.ari;
    },
    calls,
    nodes,
    ownership: owner,
    db: openedDb,
    url,
    stop,
  };
}

/**
 * Connects, migrates and closes rows a previous run left open. A database that
 * is not reachable yet is waited for (one log line per attempt); any other
 * failure (bad migration, bad credentials) stops the start.
 */
async function prepareDatabase(url: string, config: Config, logger: Logger, signal: AbortSignal, events: WebhookOutbox): Promise<Db> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      if (config.db.migrateOnStart) {
        const { applied } = await applyMigrations(url, { logger });
        if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
      }
      const db = createDb(url, { logger });
      const closed = await closeRowsLeftOpen(db.prisma, new Date(), events).catch(async (error: unknown) => {
        await db.close();
        throw error;
      });
      if (closed > 0) logger.warn({ rows: closed }, 'closed call log rows left open by a run before calls recorded their node, as interrupted');
      await seedFallbackExtensions(db.prisma, config.admin.fallbackExtensions, logger).catch(async (error: unknown) => {
        await db.close();
        throw error;
      });
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
