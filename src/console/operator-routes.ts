// The operator view, with its own sign-in (OPERATOR_TOKEN; see operator-gate.ts):
//
//   GET  /operator          -> the platform view | 303 /operator/login | 503 (no OPERATOR_TOKEN)
//   GET  /operator/login    -> the form
//   POST /operator/login    token (form) -> 303 /operator | 401 | 403 (other site) | 429
//   POST /operator/logout   csrf (form) -> 303 /operator/login | 403
//   GET  /operator/dashboard, /operator/audit (operator-insights.ts)
//
// A staff session grants nothing here, and the operator cookie nothing elsewhere.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCookies, serializeCookie } from '../staff/cookies.js';
import { csrfTokenValid } from '../staff/csrf.js';
import { SlidingWindowCounter } from '../staff/sliding-window-counter.js';
import type { ConsolePageDeps } from './console-services.js';
import { formField } from './form-body.js';
import { OPERATOR_COOKIE, OPERATOR_COOKIE_PATH, OperatorGate } from './operator-gate.js';
import { renderOperatorLogin, renderOperatorPage } from './operator-view.js';
import { redirect, sendErrorPage, sendPage } from './page-reply.js';
import { readyServices } from './page-session.js';
import { isSameSitePost } from './same-origin.js';
import { registerOperatorInsights } from './operator-insights.js';

/** Failed operator sign-ins per client address. */
export const OPERATOR_LOGIN_LIMIT = Object.freeze({ maxFailures: 10, windowMs: 15 * 60_000 });

function operatorCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  // Strict: not even a top-level link from another site carries it.
  return serializeCookie(OPERATOR_COOKIE, value, { path: OPERATOR_COOKIE_PATH, httpOnly: true, sameSite: 'Strict', secure, maxAgeSeconds });
}

export function registerOperatorPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  const gate = deps.operatorToken === undefined ? null : new OperatorGate(deps.operatorToken, deps.now);
  const failures = new SlidingWindowCounter(OPERATOR_LOGIN_LIMIT, () => deps.now().getTime());

  /** The gate, or a 503 page when the operator view is disabled. */
  const enabled = (reply: FastifyReply): OperatorGate | null => {
    if (!gate) sendErrorPage(reply, 503, 'Operator view disabled', 'Set OPERATOR_TOKEN in the backend’s environment to use it.');
    return gate;
  };
  const credentialOf = (request: FastifyRequest): string | null => {
    const value = parseCookies(request.headers.cookie).get(OPERATOR_COOKIE);
    return gate !== null && value !== undefined && gate.verify(value) ? value : null;
  };

  scope.get('/operator', async (request, reply) => {
    const operator = enabled(reply);
    if (!operator) return reply;
    const credential = credentialOf(request);
    if (credential === null) return redirect(reply, '/operator/login');
    const services = readyServices(deps, reply);
    if (!services) return reply;
    return sendPage(reply, 200, renderOperatorPage(await services.overview(), operator.csrfToken(credential)));
  });

  registerOperatorInsights(scope, deps, async (request, reply) => {
    const operator = enabled(reply);
    if (!operator) return null;
    const credential = credentialOf(request);
    if (credential === null) {
      redirect(reply, '/operator/login');
      return null;
    }
    return operator.csrfToken(credential);
  });

  scope.get('/operator/login', async (request, reply) => {
    if (!enabled(reply)) return reply;
    if (credentialOf(request) !== null) return redirect(reply, '/operator');
    return sendPage(reply, 200, renderOperatorLogin(null));
  });

  scope.post('/operator/login', async (request, reply) => {
    const operator = enabled(reply);
    if (!operator) return reply;
    if (!isSameSitePost(request)) {
      request.log.warn({ ip: request.ip }, 'operator sign-in refused: the form was not sent from this site');
      return sendErrorPage(reply, 403, 'Sign-in refused', 'Sign in from this site’s operator sign-in page: reload it and try again.');
    }
    const retryAfterMs = failures.retryAfterMs(request.ip);
    if (retryAfterMs > 0) {
      reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      return sendPage(reply, 429, renderOperatorLogin('Too many failed attempts. Try again later.'));
    }
    if (!operator.tokenMatches(formField(request.body, 'token') ?? '')) {
      failures.recordFailure(request.ip);
      request.log.warn({ ip: request.ip }, 'operator sign-in failed');
      return sendPage(reply, 401, renderOperatorLogin('That is not the operator token.'));
    }
    failures.reset(request.ip);
    const { value, maxAgeSeconds } = operator.issue();
    request.log.info({ ip: request.ip }, 'operator signed in to the console');
    reply.header('set-cookie', operatorCookie(value, maxAgeSeconds, deps.cookieSecure));
    return redirect(reply, '/operator');
  });

  scope.post('/operator/logout', async (request, reply) => {
    const operator = enabled(reply);
    if (!operator) return reply;
    const credential = credentialOf(request);
    if (credential !== null && !csrfTokenValid(formField(request.body, 'csrf') ?? undefined, operator.csrfToken(credential))) {
      return sendErrorPage(reply, 403, 'Sign-out refused', 'The form was out of date. Go back, reload the page and sign out again.', {
        operator: { csrfToken: operator.csrfToken(credential) },
      });
    }
    reply.header('set-cookie', operatorCookie('', 0, deps.cookieSecure));
    return redirect(reply, '/operator/login');
  });
}
