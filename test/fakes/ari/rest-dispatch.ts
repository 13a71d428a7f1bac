// Routes one authenticated REST request: api-docs files, path and method against the api-docs,
// parameter validation, then the operation's handler. Every request that does not conform to
// the api-docs is reported as a violation and never executed; it gets Asterisk's own answer
// when the fake knows it, else 400.

import { servedApiDoc, type ApiDocs } from './api-docs.js';
import { API_KEY_PARAM, matchRoute, validateParams } from './request-validation.js';
import { ariError, type RestReply, type RestRequest, type RestRoute } from './rest-types.js';

export interface RestInput {
  method: string;
  /** With the `/ari` prefix, without the query string. */
  path: string;
  query: ReadonlyMap<string, string>;
  /** Parsed JSON body, or null when there was none. */
  body: unknown;
  /** Set when the body could not be used (bad JSON, unexpected content type). */
  bodyProblem: string | null;
}

export interface DispatchResult {
  reply: RestReply;
  violations: string[];
}

export interface DispatchDeps {
  docs: ApiDocs;
  routes: ReadonlyMap<string, RestRoute>;
  /** Resource lookups for operations the fake does not implement (404s Asterisk would give). */
  missingResource(pathParams: Readonly<Record<string, string>>): RestReply | null;
  ariBaseUrl(): string;
}

const API_DOCS_PREFIX = '/ari/api-docs/';

export async function dispatchRest(deps: DispatchDeps, input: RestInput): Promise<DispatchResult> {
  const violations: string[] = [];
  const violation = (what: string): void => {
    violations.push(`${input.method} ${input.path}: ${what}`);
  };
  if (input.path.startsWith(API_DOCS_PREFIX) && input.method === 'GET') {
    const text = servedApiDoc(deps.docs, input.path.slice(API_DOCS_PREFIX.length), deps.ariBaseUrl());
    return { reply: text === null ? ariError(404, 'Resource not found', 'Not Found') : { status: 200, body: JSON.parse(text) }, violations };
  }
  const match = matchRoute(deps.docs.routes, input.method, input.path.replace(/^\/ari/, ''));
  if (match.kind === 'not-found') {
    violation('no such resource in the api-docs');
    return { reply: ariError(404, 'Resource not found', 'Not Found'), violations };
  }
  if (match.kind === 'method-not-allowed') {
    violation(`method not in the api-docs (allowed: ${match.allowedMethods.join(', ') || 'none'})`);
    return { reply: ariError(405, 'Invalid method', 'Method Not Allowed'), violations };
  }
  if (input.bodyProblem) {
    violation(input.bodyProblem);
    return { reply: ariError(400, 'Error parsing request body', 'Bad Request'), violations };
  }
  const { operation, pathParams } = match;
  const problems = validateParams(operation, input.query, input.body);
  const request: RestRequest = {
    method: input.method,
    path: input.path,
    operation,
    pathParams: decodePathParams(pathParams),
    ...paramsAndVariables(input.query, input.body),
    reportUnsupported: violation,
  };
  for (const problem of problems) violation(`${problem} (${operation.key})`);
  const route = deps.routes.get(operation.key);
  if (!route) {
    const missing = deps.missingResource(request.pathParams);
    if (missing) return { reply: missing, violations };
    violation(`operation ${operation.key} is not implemented by the fake`);
    return { reply: ariError(501, `${operation.key} is not implemented by the ARI fake`, 'Not Implemented'), violations };
  }
  const rejection = route.check?.(request) ?? null;
  if (rejection) return { reply: rejection, violations };
  if (problems.length > 0) return { reply: ariError(400, problems.join('; '), 'Bad Request'), violations };
  return { reply: await route.run(request), violations };
}

function paramsAndVariables(query: ReadonlyMap<string, string>, body: unknown): Pick<RestRequest, 'params' | 'variables'> {
  const params = new Map(query);
  params.delete(API_KEY_PARAM);
  let variables: Record<string, string> = {};
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (name === 'variables' && typeof value === 'object' && value !== null) {
        variables = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, String(item)]));
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        params.set(name, String(value));
      } else if (Array.isArray(value)) {
        params.set(name, value.map(String).join(','));
      }
    }
  }
  return { params, variables };
}

function decodePathParams(pathParams: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(pathParams)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      decoded[name] = value;
    }
  }
  return decoded;
}
