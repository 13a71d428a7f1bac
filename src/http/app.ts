// The backend's HTTP API. buildApp never listens: tests use app.inject().
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { evaluateReadiness, type ReadinessCheck } from '../readiness.js';
import { redactAddresses, redactAddressesDeep } from './address-redaction.js';
import { ApiError, errorBody } from './errors.js';
import { internalRoutes, type InternalRouteDeps } from './internal-routes.js';
import { adminRoutes, type AdminRouteDeps } from '../admin/admin-routes.js';
import { staffRoutes, type StaffRouteDeps } from '../staff/staff-routes.js';
import { consoleRoutes } from '../console/console-routes.js';
import type { ConsoleRouteDeps } from '../console/console-services.js';
import { sendNotFoundPage, wantsPage } from '../console/page-reply.js';
import type { TrustProxy } from '../staff/trust-proxy.js';
import { recordingLinkRoutes, type RecordingLinkRouteDeps } from '../integrations/recording-link-route.js';
import { RECORDING_LINK_PATH } from '../integrations/recording-link.js';

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
  trustProxy?: TrustProxy;
  /** The recordings behind webhooks' signed links (/recordings/:callId); absent: not served. */
  recordingLinks?: RecordingLinkRouteDeps;
}

/** proxy-addr's forms: addresses/CIDRs, or a function of the hop (0 = the TCP peer) for a count of proxies. */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

const API_PREFIXES = ['/api/', '/admin/api/', '/internal/'];

/** One year; no includeSubDomains: other hosts of the domain may not serve HTTPS. */
const HSTS = 'max-age=31536000';

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    // pino's Logger and fastify's logger type differ only in generics.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- it sets the instance's logger generic, which the return type needs
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: fastifyTrustProxy(deps.trustProxy ?? false),
  });

  // HSTS (RFC 6797) on every answer that came over HTTPS (directly or through
  // a trusted proxy's X-Forwarded-Proto): the browser then never tries plain
  // HTTP for this host again. Browsers ignore it over HTTP, so it is not sent there.
  // The APIs' answers (transcripts, staff lists) are never stored by a cache
  // nor sniffed into another type; a route that allows caching says so itself.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    if (API_PREFIXES.some((prefix) => request.url.startsWith(prefix))) {
      reply.header('x-content-type-options', 'nosniff');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    }
    return payload;
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
  app.get('/health', () => ({ status: 'ok' }));

  /**
   * Readiness: ARI connected with the app registered, and the database
   * reachable. Anyone may ask, so the reasons carry no network address (the
   * operator's overview has the full text).
   */
  app.get('/ready', async (_request, reply) => {
    const report = await evaluateReadiness(deps.readiness);
    void reply.code(report.ready ? 200 : 503);
    // Reasons and details alike: a node's detail repeats its ARI failure text.
    const checks = redactAddressesDeep(report.checks);
    return { status: report.ready ? 'ready' : 'not_ready', reasons: report.reasons.map(redactAddresses), checks };
  });

  void app.register(internalRoutes(deps.internal), { prefix: '/internal' });
  if (deps.staff) void app.register(staffRoutes(deps.staff), { prefix: '/api' });
  if (deps.admin) void app.register(adminRoutes(deps.admin), { prefix: '/admin/api' });
  if (deps.console) void app.register(consoleRoutes(deps.console));
  if (deps.recordingLinks) void app.register(recordingLinkRoutes(deps.recordingLinks), { prefix: RECORDING_LINK_PATH });

  return app;
}
