// The control API as a fastify instance that never listens: main.ts listens,
// tests call `app.inject()`.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MediaConfig } from '../config.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import { createBearerCheck } from './auth.js';
import { MediaApiError, sendApiError } from './errors.js';
import { registerClipRoutes, type WarmClips } from './clip-routes.js';
import { registerSessionRoutes, type EngineCheck } from './session-routes.js';
import { registerStatsRoutes } from './stats-routes.js';
import { registerLoadRoute } from './load-route.js';
import type { GatewayLoad } from '../contract/sessions.js';
import type { Metric } from '../metrics/prometheus.js';
import type { ProbeResult } from '../providers/provider-readiness.js';

/** Idle keep-alive of the control API's connections (Node's own default). */
const CONTROL_KEEP_ALIVE_MS = 5_000;

export interface MediaAppDeps {
  /** Refuses sessions whose conversation engine this gateway cannot run; absent: every engine is taken. */
  readonly engineProblem?: EngineCheck;
  readonly config: MediaConfig;
  readonly logger: Logger;
  readonly sessions: SessionRegistry;
  /** Provider probe results (GET /ready); none when the agent needs no provider. */
  readonly readiness?: () => Record<string, ProbeResult>;
  /** Metrics of other parts (turn latencies) appended to GET /metrics. */
  readonly extraMetrics?: () => Metric[];
  /** GET /load; without it the route answers from the session count alone (never draining). */
  readonly load?: () => GatewayLoad;
  /** Synthesizes businesses' fixed phrases ahead of their calls (the AI agent's clip cache). */
  readonly warmClips?: WarmClips;
}

export const READY_PATH = '/ready';

export const HEALTH_PATH = '/health';

export interface HealthResponse {
  status: 'ok';
  sessions: number;
}

/** Fastify's own client errors (unparsable JSON, unsupported content type, body too large) carry a 4xx statusCode. */
function isClientError(error: unknown): boolean {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

export function buildMediaApp(deps: MediaAppDeps): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  // Per-request logs would be one line per health check and per call step; the
  // session routes log what matters themselves.
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    // Only the backend talks to this API, from its own connection pool. Fastify's
    // default of 72 s (made for cloud load balancers) would let close() wait that
    // long for a connection whose request ended just as shutdown began.
    keepAliveTimeout: CONTROL_KEEP_ALIVE_MS,
  });
  const isAuthorized = createBearerCheck(deps.config.gatewayToken);

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url === HEALTH_PATH || request.routeOptions.url === READY_PATH) return;
    if (!isAuthorized(request.headers.authorization)) return sendApiError(reply, 'unauthorized');
  });

  app.get(HEALTH_PATH, (): HealthResponse => ({ status: 'ok', sessions: deps.sessions.size }));
  registerSessionRoutes(app, deps.sessions, deps.engineProblem);
  registerClipRoutes(app, deps.warmClips);
  registerStatsRoutes(app, deps.sessions, deps.extraMetrics ?? (() => []));
  registerLoadRoute(
    app,
    deps.load ??
      (() => {
        const { maxSessions } = deps.config;
        const sessions = deps.sessions.size;
        return { sessions, maxSessions, capacityLeft: Math.max(0, maxSessions - sessions), cpuPct: 0, eventLoopLagP99Ms: 0, draining: false };
      }),
  );

  /** Ready = every provider the agent needs accepts our key; 503 says which does not and why. */
  app.get(READY_PATH, async (_request, reply) => {
    const checks = deps.readiness?.() ?? {};
    const reasons = Object.entries(checks)
      .filter(([, result]) => !result.ok)
      .map(([name, result]) => `${name}: ${result.reason ?? 'unavailable'}`);
    void reply.code(reasons.length === 0 ? 200 : 503);
    return { status: reasons.length === 0 ? 'ready' : 'not_ready', reasons, checks };
  });

  app.setNotFoundHandler((request, reply) => sendApiError(reply, 'not_found', `no route ${request.method} ${request.url}`));

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof MediaApiError) return sendApiError(reply, error.code, error.message);
    if (isClientError(error)) return sendApiError(reply, 'bad_request', error instanceof Error ? error.message : undefined);
    request.log.error({ err: error }, 'control api request failed');
    return sendApiError(reply, 'internal');
  });

  return app;
}
