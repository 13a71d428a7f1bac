// Whether a form POST was sent by a page of this site. Used where there is no
// session yet to hold a CSRF token (signing in): a browser names the page that
// sent a POST in Origin (or, failing that, Referer), and another site cannot
// forge either. A POST that names neither is refused: every browser we support
// sends Origin on POST.
import type { FastifyRequest } from 'fastify';

function single(value: string | string[] | undefined): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host : null;
  } catch {
    return null;
  }
}

export function isSameSitePost(request: FastifyRequest): boolean {
  // With trustProxy, request.host is the X-Forwarded-Host the proxy set.
  const host = request.host;
  const origin = single(request.headers.origin);
  // An Origin of "null" (sandboxed or privacy-sensitive contexts) names no site: refused.
  if (origin !== null) return hostOf(origin) === host;
  const referer = single(request.headers.referer);
  return referer !== null && hostOf(referer) === host;
}
