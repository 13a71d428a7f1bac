// An MCP server on 127.0.0.1 built from the SDK's own server classes
// (McpServer and the Streamable HTTP server transport, one session per
// client), so the gateway's client is tested against the protocol as the SDK
// implements it. It requires `authorization: Bearer <token>` (401 otherwise,
// as an MCP server behind a bearer check answers) and records what it saw.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ZodRawShape } from 'zod';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitFor, type WaitOptions } from '../../kit/wait.js';
import { closeServer, header, readBody } from './http-body.js';

export interface FakeMcpTool {
  readonly name: string;
  readonly description: string;
  readonly input: ZodRawShape;
  /** Text the tool answers, or an error; may wait (a slow tool). */
  readonly run: (args: Record<string, unknown>) => Promise<{ text: string; isError?: boolean }> | { text: string; isError?: boolean };
}

export interface McpCallSeen {
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
}

export class FakeMcpServer {
  readonly #server: http.Server;
  readonly #changes = new EventEmitter();
  readonly #transports = new Map<string, StreamableHTTPServerTransport>();
  readonly #tools: FakeMcpTool[];
  readonly token: string;
  readonly port: number;
  readonly calls: McpCallSeen[] = [];
  /** tools/list requests answered. */
  listed = 0;
  /** Requests refused for a missing or wrong token. */
  refused = 0;
  sessionsOpened = 0;
  sessionsClosed = 0;

  private constructor(server: http.Server, port: number, token: string, tools: FakeMcpTool[]) {
    this.#server = server;
    this.port = port;
    this.token = token;
    this.#tools = tools;
  }

  static async start(options: { token: string; tools: FakeMcpTool[] }): Promise<FakeMcpServer> {
    let fake: FakeMcpServer | null = null;
    const server = http.createServer((request, response) => {
      void fake?.handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    const port = await listenOnLoopback(server);
    fake = new FakeMcpServer(server, port, options.token, options.tools);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  waitFor<T>(read: () => T | null | undefined, options: WaitOptions = {}): Promise<T> {
    return waitFor(read, { wakeOn: this.#changes, ...options });
  }

  async close(): Promise<void> {
    for (const transport of this.#transports.values()) await transport.close().catch(() => {});
    await closeServer(this.#server);
  }

  #mcpServer(): McpServer {
    const server = new McpServer({ name: 'fake-business-mcp', version: '1.0.0' });
    for (const tool of this.#tools) {
      server.registerTool(tool.name, { description: tool.description, inputSchema: tool.input }, async (args: Record<string, unknown>) => {
        this.calls.push({ tool: tool.name, arguments: args });
        this.#changes.emit('change');
        const answer = await tool.run(args);
        return { content: [{ type: 'text' as const, text: answer.text }], isError: answer.isError ?? false };
      });
    }
    return server;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (header(request, 'authorization') !== `Bearer ${this.token}`) {
      this.refused += 1;
      this.#changes.emit('change');
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const body = request.method === 'POST' ? (JSON.parse(await readBody(request)) as unknown) : undefined;
    if (request.method === 'POST' && Array.isArray(body) === false && (body as { method?: string }).method === 'tools/list') {
      this.listed += 1;
      this.#changes.emit('change');
    }
    const sessionId = header(request, 'mcp-session-id');
    let transport = sessionId ? this.#transports.get(sessionId) : undefined;
    if (!transport) {
      if (request.method !== 'POST' || !isInitializeRequest(body)) {
        response.writeHead(sessionId ? 404 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }));
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          this.#transports.set(id, created);
          this.sessionsOpened += 1;
          this.#changes.emit('change');
        },
        onsessionclosed: (id) => {
          this.#transports.delete(id);
          this.sessionsClosed += 1;
          this.#changes.emit('change');
        },
      });
      await this.#mcpServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response, body);
  }
}
