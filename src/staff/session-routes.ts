// Signing in and out, and who is signed in:
//
//   POST   /api/session  { email, password } -> 200 SessionAnswer + Set-Cookie sid (no session needed)
//   GET    /api/session                      -> 200 SessionAnswer
//   DELETE /api/session  (x-csrf-token)      -> 204 + Set-Cookie clearing sid
//   GET    /api/staff    (managers)          -> 200 { staff: StaffView[] }
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { describeIssues } from '../admin/admin-schemas.js';
import { clientGoneSignal } from './client-signal.js';
import { parseCookies } from './cookies.js';
import { DEVICE_COOKIE, deviceCookie } from './device-cookie.js';
import type { StaffSessionContext } from './session-store.js';
import { clearedSessionCookie, SESSION_COOKIE, sessionCookie, staffSessionOf } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

export interface SessionAnswer {
  user: { id: string; email: string; displayName: string; role: 'staff' | 'manager' };
  business: { id: string; name: string; timezone: string };
  /** Send it back in the x-csrf-token header with every change. */
  csrfToken: string;
  expiresAt: string;
}

const LoginBody = z.object({
  email: z.string({ error: 'is required' }).min(1, 'is required').max(320, 'is too long'),
  password: z.string({ error: 'is required' }).min(1, 'is required').max(1024, 'is too long'),
});

export function sessionAnswer(context: StaffSessionContext): SessionAnswer {
  return {
    user: { ...context.user },
    business: { ...context.business },
    csrfToken: context.csrfToken,
    expiresAt: context.expiresAt.toISOString(),
  };
}

export interface SessionRouteDeps {
  services: (request: FastifyRequest) => StaffServices;
  cookieSecure: boolean;
  now: () => Date;
}

export function registerSessionRoutes(scope: FastifyInstance, deps: SessionRouteDeps): void {
  scope.post('/session', async (request, reply): Promise<SessionAnswer> => {
    const services = deps.services(request);
    const body = LoginBody.safeParse(request.body ?? {});
    if (!body.success) throw new ApiError('bad_request', `invalid request: ${describeIssues(body.error)}`);
    const client = {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      deviceToken: parseCookies(request.headers.cookie).get(DEVICE_COOKIE),
      signal: clientGoneSignal(reply),
    };
    const outcome = await services.auth.login(body.data.email, body.data.password, client);
    if (outcome.kind === 'rate_limited') {
      request.log.warn({ ip: request.ip }, 'staff sign-in refused: too many failed attempts');
      throw new ApiError('rate_limited', undefined, { 'retry-after': String(Math.ceil(outcome.retryAfterMs / 1000)) });
    }
    if (outcome.kind === 'invalid') {
      request.log.warn({ ip: request.ip }, 'staff sign-in failed');
      throw new ApiError('invalid_credentials');
    }
    // A session the browser still had is replaced, not left behind.
    const previous = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (previous) {
      const old = await services.sessions.find(previous);
      if (old) await services.sessions.delete(old.sessionId);
    }
    const { session, context } = outcome;
    request.log.info({ userId: context.user.id, businessId: context.business.id }, 'staff signed in');
    noStore(reply).header('set-cookie', [
      sessionCookie(session.token, session.expiresAt, deps.now(), deps.cookieSecure),
      deviceCookie(outcome.deviceToken, deps.cookieSecure),
    ]);
    return sessionAnswer(context);
  });

  scope.get('/session', async (request, reply): Promise<SessionAnswer> => {
    noStore(reply);
    return sessionAnswer(staffSessionOf(request));
  });

  scope.delete('/session', async (request, reply) => {
    const context = staffSessionOf(request);
    const services = deps.services(request);
    await services.sessions.delete(context.sessionId);
    await services.audit.record({
      businessId: context.business.id,
      actor: { kind: 'staff', id: context.user.id, label: context.user.email },
      action: 'sign_out',
      ip: request.ip,
    });
    request.log.info({ userId: context.user.id }, 'staff signed out');
    return noStore(reply).code(204).header('set-cookie', clearedSessionCookie(deps.cookieSecure)).send();
  });

  scope.get('/staff', async (request) => {
    const context = staffSessionOf(request);
    if (context.user.role !== 'manager') throw new ApiError('forbidden', 'only managers see the staff accounts');
    return { staff: await deps.services(request).team(context.business.id) };
  });
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store');
}
