// The tools each MCP server offers, kept for a short while across calls: a
// call starts by asking its business's servers for their tools, and a busy
// business would otherwise ask the same server for the same list on every
// call. A server that failed is remembered failed for a shorter while, so
// calls do not all wait on it in turn. The key includes the URL and a hash of
// the token: a server whose address or credentials change is asked again.
import { createHash } from 'node:crypto';
import type { McpServerDefinition } from '../contract/sessions.js';
import { describeMcpError, type McpConnection, type McpToolInfo } from './mcp-connection.js';

export type CatalogAnswer = { readonly ok: true; readonly tools: readonly McpToolInfo[] } | { readonly ok: false; readonly error: string };

export interface McpCatalogOptions {
  /** How long a server's list is reused. */
  readonly ttlMs: number;
  /** How long a failed listing is remembered. */
  readonly failureTtlMs: number;
  readonly now: () => number;
  /** Servers remembered at most (the oldest entry goes first). */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 1_000;

function keyOf(server: McpServerDefinition): string {
  const token = server.token === null ? '' : createHash('sha256').update(server.token).digest('base64url');
  return `${server.id}\n${server.url}\n${token}`;
}

export class McpToolCatalog {
  readonly #options: McpCatalogOptions;
  readonly #entries = new Map<string, { answer: CatalogAnswer; expiresAtMs: number }>();

  constructor(options: McpCatalogOptions) {
    this.#options = options;
  }

  /** The server's tools: from the cache while fresh, else listed through `connection` (which the call then reuses). */
  async tools(connection: McpConnection, signal: AbortSignal): Promise<CatalogAnswer> {
    const key = keyOf(connection.server);
    const now = this.#options.now();
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAtMs > now) return cached.answer;
    let answer: CatalogAnswer;
    const timeout = AbortSignal.timeout(connection.server.timeoutMs);
    try {
      answer = { ok: true, tools: await connection.listTools(AbortSignal.any([signal, timeout])) };
    } catch (error) {
      if (signal.aborted) return { ok: false, error: 'cancelled' };
      answer = { ok: false, error: describeMcpError(error, { timedOut: timeout.aborted, timeoutMs: connection.server.timeoutMs }) };
    }
    this.#entries.delete(key);
    this.#entries.set(key, { answer, expiresAtMs: this.#options.now() + (answer.ok ? this.#options.ttlMs : this.#options.failureTtlMs) });
    if (this.#entries.size > (this.#options.maxEntries ?? DEFAULT_MAX_ENTRIES)) this.#entries.delete(this.#entries.keys().next().value!);
    return answer;
  }
}
