// The signed-in staff member behind a page request. Pages use the same session
// cookie and session store as the staff API; a request without a live session
// is sent to the sign-in page, which brings the user back afterwards.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffSessionContext } from '../staff/session-store.js';
import { clearedSessionCookie, sessionFromRequest } from '../staff/staff-context.js';
import type { ConsolePageDeps, ConsoleServices } from './console-services.js';
import type { StaffChrome } from './layout.js';
import { redirect, sendErrorPage } from './page-reply.js';

export interface StaffPage {
  context: StaffSessionContext;
  services: ConsoleServices;
}

const MAX_NEXT_LENGTH = 1024;

/**
 * `next` when it is a path of this site ("/calls?status=failed"), else null.
 * "//host", "/\host", absolute URLs and control characters are refused: a
 * sign-in link must never send the user to another site. The check applies to
 * what is returned, the normalized path, and not only to the text received:
 * dot segments ("/..//evil", "/.%2e/%2e%2e//evil") normalize to "//evil",
 * which a browser reads as another host.
 */
export function localPath(next: string | null | undefined): string | null {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_NEXT_LENGTH) return null;
  if (!isSinglePath(next)) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return null;
  const base = 'http://console.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return null;
  }
  if (url.origin !== base) return null;
  const path = `${url.pathname}${url.search}`;
  return isSinglePath(path) ? path : null;
}

/** Starts with exactly one slash: "//x" and "/\x" are read by browsers as the host x. */
function isSinglePath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}

export function loginLocation(next: string | null): string {
  const local = localPath(next);
  return local === null || local === '/' ? '/login' : `/login?next=${encodeURIComponent(local)}`;
}

/** The services, or a 503 page while the backend starts. */
export function readyServices(deps: ConsolePageDeps, reply: FastifyReply): ConsoleServices | null {
  const services = deps.services();
  if (services) return services;
  reply.header('retry-after', '5');
  sendErrorPage(reply, 503, 'Starting', 'The console is starting. Try again in a few seconds.');
  return null;
}

/**
 * The page's signed-in staff member, or null after answering: a redirect to
 * the sign-in page (clearing a cookie that names no live session), or 503.
 */
export async function staffPage(request: FastifyRequest, reply: FastifyReply, deps: ConsolePageDeps): Promise<StaffPage | null> {
  const services = readyServices(deps, reply);
  if (!services) return null;
  const { context, hadCookie } = await sessionFromRequest(request, services.staff.sessions);
  if (context) return { context, services };
  if (hadCookie) reply.header('set-cookie', clearedSessionCookie(deps.cookieSecure));
  redirect(reply, loginLocation(request.url));
  return null;
}

export function staffChrome(context: StaffSessionContext, current: StaffChrome['current']): { staff: StaffChrome } {
  return {
    staff: {
      displayName: context.user.displayName,
      businessName: context.business.name,
      role: context.user.role,
      csrfToken: context.csrfToken,
      current,
    },
  };
}
