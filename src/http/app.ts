// The backend's HTTP API. buildApp never listens: tests use app.inject().
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { evaluateReadiness, type ReadinessCheck } from '../readiness.js';
import { ApiError, errorBody } from './errors.js';
import { internalRoutes, type InternalRouteDeps } from './internal-routes.js';
import { adminRoutes, type AdminRouteDeps } from '../admin/admin-routes.js';
import { staffRoutes, type StaffRouteDeps } from '../staff/staff-routes.js';
import { consoleRoutes } from '../console/console-routes.js';
import type { ConsoleRouteDeps } from '../console/console-services.js';
import { sendNotFoundPage, wantsPage } from '../console/page-reply.js';

export interface AppDeps {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** The media gateway's internal API (/internal/...). */
  internal: InternalRouteDeps;
  /** The staff console's API (/api/...); absent: not served. */
  staff?: StaffRouteDeps;
  /** The operator's admin API (/admin/api/...); absent: not served. */
  admin?: AdminRouteDeps;
  /** The staff console's pages (/, /login, /calls, /live, /operator); absent: not served. */
  console?: ConsoleRouteDeps;
  /** Client addresses from X-Forwarded-For (behind a reverse proxy). */
  trustProxy?: boolean;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    // pino's Logger and fastify's logger type differ only in generics.
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: deps.trustProxy ?? false,
  });

  app.setNotFoundHandler((request, reply) => {
    if (deps.console && wantsPage(request)) {
      void sendNotFoundPage(reply);
      return;
    }
    void reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) {
      void reply.code(error.status).headers(error.headers).send(errorBody(error.code, error.message));
      return;
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      void reply.code(status).send(errorBody('bad_request', error instanceof Error ? error.message : undefined));
      return;
    }
    request.log.error({ err: error }, 'request failed');
    void reply.code(500).send(errorBody('internal'));
  });

  /** Liveness: the process is up and serving. */
  app.get('/health', async () => ({ status: 'ok' }));

  /** Readiness: ARI connected with the app registered, and the database reachable. */
  app.get('/ready', async (_request, reply) => {
    const report = await evaluateReadiness(deps.readiness);
    void reply.code(report.ready ? 200 : 503);
    return { status: report.ready ? 'ready' : 'not_ready', reasons: report.reasons, checks: report.checks };
  });

  void app.register(internalRoutes(deps.internal), { prefix: '/internal' });
  if (deps.staff) void app.register(staffRoutes(deps.staff), { prefix: '/api' });
  if (deps.admin) void app.register(adminRoutes(deps.admin), { prefix: '/admin/api' });
  if (deps.console) void app.register(consoleRoutes(deps.console));

  return app;
}
