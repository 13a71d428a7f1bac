// Signing in and out from the console's pages:
//
//   GET  /          -> 303 /dashboard (signed in) or /login
//   GET  /login     ?next=/local/path -> the form (303 onwards when already signed in)
//   POST /login     email, password, next (form) -> 303 next | 401 | 403 (other site) | 429
//   POST /logout    csrf (form) -> 303 /login | 403
//
// Signing in goes through the staff API's services (the same rate limit, the
// same session cookie). There is no session to hold a CSRF token before
// signing in, so the sign-in POST must come from this site (Origin/Referer);
// signing out carries the session's CSRF token in a hidden field.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenValid } from '../staff/csrf.js';
import { clientGoneSignal } from '../staff/client-signal.js';
import { parseCookies } from '../staff/cookies.js';
import { DEVICE_COOKIE, deviceCookie } from '../staff/device-cookie.js';
import { clearedSessionCookie, SESSION_COOKIE, sessionCookie, sessionFromRequest } from '../staff/staff-context.js';
import type { ConsolePageDeps, ConsoleServices } from './console-services.js';
import { formField } from './form-body.js';
import { renderLoginPage } from './login-view.js';
import { redirect, sendErrorPage, sendPage } from './page-reply.js';
import { localPath, readyServices } from './page-session.js';
import { isSameSitePost } from './same-origin.js';
import { staffActor } from './page-form.js';

const MAX_EMAIL_LENGTH = 320;
const MAX_PASSWORD_LENGTH = 1024;
const HOME = '/dashboard';

function queryNext(request: FastifyRequest): string | null {
  const next = (request.query as Record<string, unknown> | undefined)?.next;
  return localPath(typeof next === 'string' ? next : null);
}

function retryAfterText(retryAfterMs: number): string {
  const minutes = Math.ceil(retryAfterMs / 60_000);
  return minutes <= 1 ? 'a minute' : `${minutes} minutes`;
}

export function registerLoginRoutes(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/', async (request, reply) => {
    const services = readyServices(deps, reply);
    if (!services) return reply;
    const { context } = await sessionFromRequest(request, services.staff.sessions);
    return redirect(reply, context ? HOME : '/login');
  });

  scope.get('/login', async (request, reply) => {
    const services = readyServices(deps, reply);
    if (!services) return reply;
    const next = queryNext(request);
    const { context } = await sessionFromRequest(request, services.staff.sessions);
    if (context) return redirect(reply, next ?? HOME);
    return sendPage(reply, 200, renderLoginPage({ next, email: '', error: null }));
  });

  scope.post('/login', async (request, reply) => {
    const services = readyServices(deps, reply);
    if (!services) return reply;
    if (!isSameSitePost(request)) {
      request.log.warn({ ip: request.ip }, 'console sign-in refused: the form was not sent from this site');
      return sendErrorPage(reply, 403, 'Sign-in refused', 'Sign in from this site’s sign-in page: reload it and try again.');
    }
    const email = formField(request.body, 'email') ?? '';
    const password = formField(request.body, 'password') ?? '';
    const next = localPath(formField(request.body, 'next'));
    const again = (status: number, error: string) =>
      sendPage(reply, status, renderLoginPage({ next, email: email.slice(0, MAX_EMAIL_LENGTH), error }));
    if (email.trim() === '' || password === '' || email.length > MAX_EMAIL_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      return again(400, 'Enter your email and password.');
    }
    const outcome = await services.staff.auth.login(email, password, {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      deviceToken: parseCookies(request.headers.cookie).get(DEVICE_COOKIE),
      signal: clientGoneSignal(reply),
    });
    if (outcome.kind === 'rate_limited') {
      request.log.warn({ ip: request.ip }, 'console sign-in refused: too many failed attempts');
      reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)));
      return again(429, `Too many failed sign-in attempts. Try again in ${retryAfterText(outcome.retryAfterMs)}.`);
    }
    if (outcome.kind === 'invalid') {
      request.log.warn({ ip: request.ip }, 'console sign-in failed');
      return again(401, 'Wrong email or password.');
    }
    await endPreviousSession(request, services);
    const { session, context } = outcome;
    request.log.info({ userId: context.user.id, businessId: context.business.id }, 'staff signed in to the console');
    reply.header('set-cookie', [
      sessionCookie(session.token, session.expiresAt, deps.now(), deps.cookieSecure),
      deviceCookie(outcome.deviceToken, deps.cookieSecure),
    ]);
    return redirect(reply, next ?? HOME);
  });

  scope.post('/logout', async (request, reply) => {
    const services = readyServices(deps, reply);
    if (!services) return reply;
    const { context, hadCookie } = await sessionFromRequest(request, services.staff.sessions);
    if (!context) return signedOut(reply, deps, hadCookie);
    if (!csrfTokenValid(formField(request.body, 'csrf') ?? undefined, context.csrfToken)) {
      request.log.warn({ userId: context.user.id }, 'console sign-out refused: missing or invalid CSRF token');
      return sendErrorPage(reply, 403, 'Sign-out refused', 'The form was out of date. Go back, reload the page and sign out again.');
    }
    await services.staff.sessions.delete(context.sessionId);
    await services.staff.audit.record({ businessId: context.business.id, actor: staffActor(context), action: 'sign_out', ip: request.ip });
    request.log.info({ userId: context.user.id }, 'staff signed out of the console');
    return signedOut(reply, deps, true);
  });
}

/** A session the browser still had is replaced, not left behind. */
async function endPreviousSession(request: FastifyRequest, services: ConsoleServices): Promise<void> {
  const previous = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (!previous) return;
  const old = await services.staff.sessions.find(previous);
  if (old) await services.staff.sessions.delete(old.sessionId);
}

function signedOut(reply: FastifyReply, deps: ConsolePageDeps, clearCookie: boolean): FastifyReply {
  if (clearCookie) reply.header('set-cookie', clearedSessionCookie(deps.cookieSecure));
  return redirect(reply, '/login');
}
