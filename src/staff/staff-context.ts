// The session behind a staff API request, and the session cookie.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import { serializeCookie } from './cookies.js';
import type { StaffSessionContext } from './session-store.js';

export const SESSION_COOKIE = 'sid';

const contexts = new WeakMap<FastifyRequest, StaffSessionContext>();

export function attachStaffSession(request: FastifyRequest, context: StaffSessionContext): void {
  contexts.set(request, context);
}

/** The signed-in user of a request that passed the authentication hook. */
export function staffSessionOf(request: FastifyRequest): StaffSessionContext {
  const context = contexts.get(request);
  if (!context) throw new ApiError('unauthenticated');
  return context;
}

/** HttpOnly (scripts never see it), SameSite=Lax (not sent on cross-site subrequests or POSTs), Secure over HTTPS. */
export function sessionCookie(token: string, expiresAt: Date, now: Date, secure: boolean): string {
  return serializeCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    maxAgeSeconds: Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 1000)),
  });
}

export function clearedSessionCookie(secure: boolean): string {
  return serializeCookie(SESSION_COOKIE, '', { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAgeSeconds: 0 });
}
