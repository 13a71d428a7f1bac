// How console pages answer: HTML with the security headers, redirects that
// turn a POST into a GET (303), and the error pages.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderErrorPage, type PageChrome } from './layout.js';

/**
 * Only this origin's scripts, styles, media and connections; no inline script
 * or style (so injected markup could not run even if escaping failed), no
 * framing (clickjacking), no <base> rewriting, forms post only here.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function applySecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY');
}

/** Pages show a business's calls: never stored by a cache. */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return applySecurityHeaders(reply)
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page);
}

/** 303 See Other: the browser follows with a GET, whatever the method was. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return applySecurityHeaders(reply).code(303).header('location', location).header('cache-control', 'no-store').send();
}

export function sendErrorPage(
  reply: FastifyReply,
  status: number,
  title: string,
  message: string,
  chrome?: Omit<PageChrome, 'title' | 'page'>,
): FastifyReply {
  return sendPage(reply, status, renderErrorPage({ title, message, chrome }));
}

export const NOT_FOUND_TITLE = 'Page not found';
export const NOT_FOUND_MESSAGE = 'There is nothing at this address. It may have been mistyped, or it is not yours to see.';

/** Paths of the APIs: their errors stay JSON whatever the client accepts. */
const API_PREFIXES = ['/api/', '/admin/api/', '/internal/'];

/** A browser asking for a page (not an API client) that should get an HTML 404. */
export function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  if (API_PREFIXES.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix)) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

export function sendNotFoundPage(reply: FastifyReply, chrome?: Omit<PageChrome, 'title' | 'page'>): FastifyReply {
  return sendErrorPage(reply, 404, NOT_FOUND_TITLE, NOT_FOUND_MESSAGE, chrome);
}
