// The staff console's JSON API, registered under /api. Every route but
// POST /api/session needs the session cookie (401 otherwise); every change
// (any method but GET/HEAD/OPTIONS) also needs the session's CSRF token in
// x-csrf-token (403). Data is always that of the session's business.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import { CSRF_HEADER, csrfTokenValid, requiresCsrf } from './csrf.js';
import { registerAccountRoutes } from './account-routes.js';
import { registerCallRoutes } from './call-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerOutboundRoutes } from './outbound-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import type { SseStream } from './sse-stream.js';
import { attachStaffSession, clearedSessionCookie, sessionFromRequest } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

export interface StaffRouteDeps {
  /** Null while the backend is still starting (database not ready): 503. */
  services: () => StaffServices | null;
  cookieSecure: boolean;
  liveHeartbeatMs: number;
  now?: () => Date;
}

/** The one route reachable without a session: signing in. */
function isSignIn(request: FastifyRequest): boolean {
  return request.method === 'POST' && request.routeOptions.url === '/api/session';
}

export function staffRoutes(deps: StaffRouteDeps): FastifyPluginAsync {
  const now = deps.now ?? (() => new Date());
  const services = (): StaffServices => {
    const ready = deps.services();
    if (!ready) throw new ApiError('unavailable', 'the backend is starting; retry later');
    return ready;
  };
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs a plugin that returns no promise synchronously: a throw would escape registration
  return async (scope) => {
    const streams = new Set<SseStream>();
    // Event streams never end on their own: close them so the server can close.
    scope.addHook('preClose', () => {
      for (const stream of [...streams]) stream.close();
    });

    scope.addHook('onRequest', async (request) => {
      if (isSignIn(request)) return;
      const { context, hadCookie } = await sessionFromRequest(request, services().sessions);
      if (!context) {
        // A cookie that names no live session is cleared, so the browser stops sending it.
        const clear: Record<string, string> = hadCookie ? { 'set-cookie': clearedSessionCookie(deps.cookieSecure) } : {};
        throw new ApiError('unauthenticated', undefined, clear);
      }
      if (requiresCsrf(request.method) && !csrfTokenValid(request.headers[CSRF_HEADER], context.csrfToken)) {
        request.log.warn(
          { userId: context.user.id, method: request.method },
          'staff API change refused: missing or invalid CSRF token',
        );
        throw new ApiError('csrf_failed');
      }
      attachStaffSession(request, context);
    });

    registerSessionRoutes(scope, { services, cookieSecure: deps.cookieSecure, now });
    registerCallRoutes(scope, { services });
    registerAccountRoutes(scope, { services });
    registerLiveRoutes(scope, { services, heartbeatMs: deps.liveHeartbeatMs, streams });
    registerOutboundRoutes(scope, { services });
  };
}
