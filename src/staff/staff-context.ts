// The session behind a staff API request, and the session cookie.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import { parseCookies, serializeCookie } from './cookies.js';
import type { StaffSessionContext, StaffSessionStore } from './session-store.js';

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

export interface RequestSession {
  /** The live session, or null. */
  context: StaffSessionContext | null;
  /** A session cookie was sent (when it names no live session, clear it). */
  hadCookie: boolean;
}

/** The session a request's cookie names (for the JSON API and for server-rendered pages alike). */
export async function sessionFromRequest(request: FastifyRequest, sessions: StaffSessionStore): Promise<RequestSession> {
  const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (!token) return { context: null, hadCookie: false };
  return { context: await sessions.find(token), hadCookie: true };
}
