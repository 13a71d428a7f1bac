// CSRF protection of the staff API: synchronizer tokens. Each session has a
// random CSRF token (answered by POST/GET /api/session, never in a cookie);
// every request that changes something must echo it in the x-csrf-token
// header. A cross-site page can make the browser send the cookie but cannot
// read the token, and cannot set a custom header without a CORS preflight,
// which this API never grants. SameSite on the cookie is a second layer.
import { tokensEqual } from './tokens.js';

export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function requiresCsrf(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** Constant-time check of the presented header against the session's token. */
export function csrfTokenValid(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  return tokensEqual(presented, expected);
}
