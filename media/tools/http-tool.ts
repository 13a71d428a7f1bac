// One call of a business's HTTP tool. The request is signed like the
// backend's webhooks (Standard Webhooks headers with the tool's secret), goes
// through the SSRF guard, and is bounded by the tool's timeout and the turn's
// AbortSignal (a caller who interrupts cancels it).
//
//   POST|PUT|PATCH <url>   content-type: application/json
//     {"version":1,"tool":"lookup_order","arguments":{...},"call":{"id":"<uuid>","from":"+1555...","to":"+1986..."}}
//   GET|DELETE <url>?<argument>=<value>&...   (objects and arrays as JSON text; signed over an empty body)
//
// A 2xx answer's body (JSON or text) is the result; anything else is a failure
// the model can explain.
import { randomUUID } from 'node:crypto';
import type { HttpToolDefinition } from '../contract/sessions.js';
import { describeOutboundError, readTextCapped, type FetchLike } from '../contract/guarded-fetch.js';
import { signedHeaders } from '../contract/standard-webhooks.js';
import { failed, succeeded, type ToolOutcome } from './tool-outcome.js';

export const HTTP_TOOL_BODY_VERSION = 1;
/** Most of an answer read; a tool's result for a phone call is small. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export interface HttpToolCall {
  readonly definition: HttpToolDefinition;
  readonly arguments: Record<string, unknown>;
  readonly call: { readonly id: string; readonly from: string | null; readonly to: string };
  readonly fetch: FetchLike;
  readonly signal: AbortSignal;
  readonly nowMs?: () => number;
}

function queryValue(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

export async function callHttpTool(request: HttpToolCall): Promise<ToolOutcome> {
  const { definition } = request;
  const url = new URL(definition.url);
  let body = '';
  if (METHODS_WITH_BODY.has(definition.method)) {
    body = JSON.stringify({ version: HTTP_TOOL_BODY_VERSION, tool: definition.name, arguments: request.arguments, call: request.call });
  } else {
    for (const [name, value] of Object.entries(request.arguments)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, queryValue(value));
    }
  }
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = Math.floor((request.nowMs?.() ?? Date.now()) / 1000);
  const timeout = AbortSignal.timeout(definition.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  try {
    const response = await request.fetch(url, {
      method: definition.method,
      headers: {
        accept: 'application/json, text/plain;q=0.9',
        ...(body === '' ? {} : { 'content-type': 'application/json' }),
        ...signedHeaders([definition.secret], id, timestamp, body),
      },
      body: body === '' ? undefined : body,
      signal,
    });
    const { text } = await readTextCapped(response, MAX_RESPONSE_BYTES);
    if (response.status >= 300 && response.status < 400) return failed(`the service redirected the request (HTTP ${response.status}); redirects are not followed`);
    if (!response.ok) return failed(`the service answered HTTP ${response.status}${text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`}`);
    return succeeded(text);
  } catch (error) {
    if (request.signal.aborted) return failed('cancelled');
    return failed(describeOutboundError(error, { timedOut: timeout.aborted, timeoutMs: definition.timeoutMs }));
  }
}
