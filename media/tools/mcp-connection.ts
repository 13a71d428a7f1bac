// One call's connection to one of the business's MCP servers, through the
// SDK's own client and Streamable HTTP transport (so the protocol is the
// SDK's, not ours). It connects on first use (listing the tools, or calling
// one when the list came from the cache), sends the business's bearer token,
// and goes through the SSRF-guarded fetch. close() ends the MCP session.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerDefinition } from '../contract/sessions.js';
import { describeOutboundError, type FetchLike } from '../contract/guarded-fetch.js';
import { failed, succeeded, type ToolOutcome } from './tool-outcome.js';

export interface McpToolInfo {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

const CLIENT_INFO = { name: 'prosaas-voice-agent', version: '0.1.0' } as const;
/** A server that pages its tool list endlessly is cut off here. */
const MAX_LIST_PAGES = 10;
/** Ending the MCP session at hang-up waits this long at most. */
const TERMINATE_TIMEOUT_MS = 1_000;

/** Why an MCP request failed, in words without secrets. */
export function describeMcpError(error: unknown, timeout: { timedOut: boolean; timeoutMs: number }): string {
  if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) return `no answer within ${timeout.timeoutMs} ms`;
  const status = (error as { code?: unknown } | null)?.code;
  if ((error as { name?: unknown } | null)?.name === 'StreamableHTTPError' || (typeof status === 'number' && status >= 400 && status < 600)) {
    if (status === 401 || status === 403) return `the MCP server refused the token (HTTP ${status})`;
    if (typeof status === 'number') return `the MCP server answered HTTP ${status}`;
  }
  if (error instanceof McpError) return `the MCP server answered an error: ${error.message.slice(0, 200)}`;
  return describeOutboundError(error, timeout);
}

export class McpConnection {
  readonly #server: McpServerDefinition;
  readonly #fetch: FetchLike;
  #connecting: Promise<{ client: Client; transport: StreamableHTTPClientTransport }> | null = null;
  #closed = false;

  constructor(server: McpServerDefinition, fetch: FetchLike) {
    this.#server = server;
    this.#fetch = fetch;
  }

  get server(): McpServerDefinition {
    return this.#server;
  }

  /** Every tool the server offers (bounded by the server's timeout and `signal`). */
  async listTools(signal: AbortSignal): Promise<McpToolInfo[]> {
    const timeout = AbortSignal.timeout(this.#server.timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    const { client } = await this.#connected(both);
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const answer = await client.listTools(cursor === undefined ? undefined : { cursor }, { signal: both, timeout: this.#server.timeoutMs });
      for (const tool of answer.tools) {
        tools.push({ name: tool.name, description: tool.description ?? tool.title ?? tool.name, inputSchema: tool.inputSchema });
      }
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  }

  /** Calls `name` (the server's own name of the tool); never throws. */
  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    const timeout = AbortSignal.timeout(this.#server.timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    try {
      const { client } = await this.#connected(both);
      const result = await client.callTool({ name, arguments: args }, undefined, { signal: both, timeout: this.#server.timeoutMs });
      const content = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
      let text = content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : `[${part.type} omitted]`)).join('\n');
      if (text === '' && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
      if (result.isError === true) return failed(`the tool reported an error${text === '' ? '' : `: ${text.slice(0, 300)}`}`);
      return succeeded(text);
    } catch (error) {
      if (signal.aborted) return failed('cancelled');
      return failed(describeMcpError(error, { timedOut: timeout.aborted, timeoutMs: this.#server.timeoutMs }));
    }
  }

  /** Ends the MCP session (best effort) and closes the transport. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connecting = this.#connecting;
    this.#connecting = null;
    const connected = await connecting?.catch(() => null);
    if (!connected) return;
    await Promise.race([connected.transport.terminateSession().catch(() => {}), new Promise((resolve) => setTimeout(resolve, TERMINATE_TIMEOUT_MS).unref())]);
    await connected.client.close().catch(() => {});
  }

  #connected(signal: AbortSignal): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    if (this.#closed) return Promise.reject(new Error('the MCP connection is closed'));
    if (this.#connecting) return this.#connecting;
    const server = this.#server;
    const connecting = (async () => {
      const transport = new StreamableHTTPClientTransport(new URL(server.url), {
        fetch: this.#fetch,
        requestInit: server.token === null ? undefined : { headers: { authorization: `Bearer ${server.token}` } },
        // A call has no time to wait for a reconnecting event stream: requests fail and the model is told.
        reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1_000, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1 },
      });
      const client = new Client(CLIENT_INFO, { capabilities: {} });
      try {
        await client.connect(transport, { signal, timeout: server.timeoutMs });
      } catch (error) {
        await client.close().catch(() => {});
        throw error;
      }
      return { client, transport };
    })();
    this.#connecting = connecting;
    // A failed connection is forgotten, so that the next use tries again.
    connecting.catch(() => {
      if (this.#connecting === connecting) this.#connecting = null;
    });
    return connecting;
  }
}
