// Decides an authenticated websocket upgrade: only the api-docs' websocket operation
// (`GET /events`) upgrades; a missing `app` is refused with Asterisk's HTML 400 page
// (verbatim from the bad-requests trace).

import type { ApiDocs } from './api-docs.js';
import { matchRoute, validateParams } from './request-validation.js';

export type UpgradeDecision =
  | { kind: 'accept'; apps: string[]; violations: string[] }
  | { kind: 'refuse'; status: number; statusMessage: string; contentType: string; body: string; violations: string[] };

export const MISSING_APP_HTML =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n' +
  '</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n' +
  '<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n';

export function decideEventsUpgrade(docs: ApiDocs, method: string, path: string, query: ReadonlyMap<string, string>): UpgradeDecision {
  const violations: string[] = [];
  const violation = (what: string): void => {
    violations.push(`${method} ${path} (websocket upgrade): ${what}`);
  };
  const match = matchRoute(docs.routes, method, path.replace(/^\/ari/, ''));
  if (match.kind !== 'found' || match.operation.upgrade !== 'websocket') {
    violation('not a websocket resource in the api-docs');
    return refuseJson(404, 'Not Found', 'Resource not found', violations);
  }
  const problems = validateParams(match.operation, query, null);
  for (const problem of problems) violation(`${problem} (${match.operation.key})`);
  const apps = (query.get('app') ?? '').split(',').filter((app) => app !== '');
  if (apps.length === 0) {
    return { kind: 'refuse', status: 400, statusMessage: 'Bad Request', contentType: 'text/html', body: MISSING_APP_HTML, violations };
  }
  if (problems.length > 0) return refuseJson(400, 'Bad Request', problems.join('; '), violations);
  return { kind: 'accept', apps, violations };
}

function refuseJson(status: number, statusMessage: string, message: string, violations: string[]): UpgradeDecision {
  return { kind: 'refuse', status, statusMessage, contentType: 'application/json', body: JSON.stringify({ message }), violations };
}
