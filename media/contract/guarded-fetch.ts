// A fetch for requests to a business's own services (webhooks, HTTP tools,
// MCP servers), built on node:http/https so that the connection goes through
// the SSRF guard's lookup (outbound-guard.ts): the address is checked where
// it is connected to, not only when the URL was saved.
//
// Differences from the global fetch, on purpose:
// - redirects are never followed: a 3xx is answered as it is, and the caller
//   decides (the MCP SDK follows same-origin ones through this fetch again,
//   so each hop is checked; webhooks and tools count a redirect as a failure);
// - an IP literal in the URL is checked before connecting (Node does not look
//   literals up, so the lookup alone would not see them);
// - request bodies are text or bytes only (what JSON APIs send).
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { DestinationRefusedError, guardedLookup, urlProblem, type OutboundPolicy } from './outbound-guard.js';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface GuardedFetchOptions {
  readonly policy: OutboundPolicy;
  /** Sent unless the request sets its own. */
  readonly userAgent: string;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function bodyBytes(body: RequestInit['body']): Buffer | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  throw new TypeError('guarded fetch sends text or bytes only');
}

function requestHeaders(init: RequestInit, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': userAgent };
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

function responseHeaders(message: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

export function guardedFetch(options: GuardedFetchOptions): FetchLike {
  const lookup = guardedLookup(options.policy);
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const problem = urlProblem(url, options.policy);
    if (problem !== null) throw new DestinationRefusedError(`destination refused: the URL ${problem}`);
    init.signal?.throwIfAborted();
    const body = bodyBytes(init.body);
    const method = (init.method ?? 'GET').toUpperCase();
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const request = transport.request(url, { method, headers: requestHeaders(init, options.userAgent), lookup, signal: init.signal ?? undefined });
      request.once('error', reject);
      request.once('response', (message) => {
        const status = message.statusCode ?? 502;
        const noBody = NULL_BODY_STATUSES.has(status) || method === 'HEAD';
        if (noBody) message.resume();
        const stream = noBody ? null : (Readable.toWeb(message) as NodeReadableStream<Uint8Array>);
        // A status outside 200-599 cannot be a Response: it is the server's fault.
        if (status < 200 || status > 599) {
          message.destroy();
          reject(new Error(`the server answered with HTTP status ${status}`));
          return;
        }
        resolve(new Response(stream, { status, statusText: message.statusMessage ?? '', headers: responseHeaders(message) }));
      });
      request.end(body ?? undefined);
    });
  };
}

/** The body as text, at most `maxBytes` of it (the rest is not read). */
export async function readTextCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > maxBytes) {
        truncated = true;
        break;
      }
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const text = Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
  return { text, truncated };
}

/**
 * Why a request to a business's service failed, in words without secrets.
 * `timedOut`: the caller's own timeout fired (Node reports any aborted request
 * as an AbortError, whatever the signal's reason).
 */
export function describeOutboundError(error: unknown, timeout: { timedOut: boolean; timeoutMs: number }): string {
  if (timeout.timedOut) return `no answer within ${timeout.timeoutMs} ms`;
  if (error instanceof DestinationRefusedError) return error.message;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof DestinationRefusedError) return cause.message;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError') return 'cancelled';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return `connection failed (${code})`;
  return error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 200) : 'request failed';
}
