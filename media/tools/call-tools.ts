// A call's business tools: lists them for the model (HTTP tools from the
// session, MCP tools from the business's servers, listed at call start) and
// runs one when the model calls it, with the turn's AbortSignal. Every run
// returns a typed result for the model and a record for the turn; nothing
// here throws at the conversation.
import type { Logger } from 'pino';
import type { ToolCallRecord } from '../contract/backend.js';
import { TOOL_RECORD_MAX_CHARS } from '../contract/backend.js';
import type { FetchLike } from '../contract/guarded-fetch.js';
import type { CreateSessionRequest, HttpToolDefinition } from '../contract/sessions.js';
import type { ToolSpec } from '../providers/types.js';
import { argumentProblem } from './argument-check.js';
import { callHttpTool } from './http-tool.js';
import type { McpToolCatalog } from './mcp-catalog.js';
import { McpConnection } from './mcp-connection.js';
import { assignToolNames, type ToolCandidate } from './tool-names.js';
import { failed, toolMessage, type ToolOutcome } from './tool-outcome.js';

type Entry =
  | { readonly kind: 'http'; readonly definition: HttpToolDefinition; readonly spec: ToolSpec }
  | { readonly kind: 'mcp'; readonly connection: McpConnection; readonly toolName: string; readonly spec: ToolSpec };

export interface ToolExecution {
  readonly outcome: ToolOutcome;
  /** What the model reads. */
  readonly message: string;
  readonly record: ToolCallRecord;
}

export interface CallToolsOptions {
  readonly request: CreateSessionRequest;
  /** The built-in tools' names: never given to a business tool. */
  readonly reservedNames: readonly string[];
  readonly catalog: McpToolCatalog;
  readonly fetch: FetchLike;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The model is offered at most this many business tools (OpenAI takes 128 in all). */
export const MAX_BUSINESS_TOOLS = 64;
const MAX_DESCRIPTION_CHARS = 1_024;
const EMPTY_OBJECT_SCHEMA: Record<string, unknown> = { type: 'object', properties: {} };

function clip(text: string): string {
  return text.length > TOOL_RECORD_MAX_CHARS ? `${text.slice(0, TOOL_RECORD_MAX_CHARS - 1)}…` : text;
}

function objectSchema(schema: Record<string, unknown>): Record<string, unknown> {
  return schema.type === 'object' ? schema : EMPTY_OBJECT_SCHEMA;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class CallTools {
  readonly #options: CallToolsOptions;
  readonly #log: Logger;
  readonly #connections: McpConnection[];
  #entries = new Map<string, Entry>();
  #preparing: Promise<void> | null = null;
  #closed = false;

  constructor(options: CallToolsOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'business-tools' });
    const tools = options.request.tools;
    this.#connections = (tools?.mcp ?? []).map((server) => new McpConnection(server, options.fetch));
    // The HTTP tools are known at once; the MCP ones once listed.
    this.#entries = this.#assign(new Map());
  }

  /** True when the business has any tool (HTTP or MCP). */
  get any(): boolean {
    const tools = this.#options.request.tools;
    return (tools?.http.length ?? 0) + (tools?.mcp.length ?? 0) > 0;
  }

  /** Lists the MCP servers' tools (cached across calls); never rejects. Idempotent. */
  prepare(signal: AbortSignal): Promise<void> {
    this.#preparing ??= this.#listMcp(signal);
    return this.#preparing;
  }

  /** What the model is offered besides the built-in tools. */
  specs(): ToolSpec[] {
    return [...this.#entries.values()].map((entry) => entry.spec);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  async execute(toolCallId: string, name: string, args: unknown, signal: AbortSignal): Promise<ToolExecution> {
    const started = this.#options.now();
    const entry = this.#entries.get(name);
    const argumentsText = clip(JSON.stringify(args ?? {}) ?? '{}');
    let outcome: ToolOutcome;
    if (!entry) outcome = failed(`there is no tool named ${name}`);
    else if (!isPlainObject(args)) outcome = failed('the arguments must be a JSON object');
    else {
      const problem = argumentProblem(entry.spec.parameters, args);
      if (problem !== null) outcome = failed(`invalid arguments: ${problem}`);
      else if (entry.kind === 'http') {
        const { request } = this.#options;
        outcome = await callHttpTool({
          definition: entry.definition,
          arguments: args,
          call: { id: request.callId, from: request.caller.from, to: request.caller.to },
          fetch: this.#options.fetch,
          signal,
        });
      } else outcome = await entry.connection.callTool(entry.toolName, args, signal);
    }
    const durationMs = Math.max(0, Math.round(this.#options.now() - started));
    const message = toolMessage(outcome);
    const source = entry?.kind ?? 'http';
    const fields = { tool: name, source, ok: outcome.ok, durationMs };
    if (outcome.ok) this.#log.info(fields, 'business tool answered');
    else this.#log.warn({ ...fields, error: outcome.error }, 'business tool failed');
    this.#log.debug({ tool: name, toolArgs: args, toolResult: message }, 'business tool exchange');
    return {
      outcome,
      message,
      record: { id: toolCallId, name, source, arguments: argumentsText, ok: outcome.ok, result: clip(outcome.ok ? outcome.content : outcome.error), durationMs },
    };
  }

  /** Ends the MCP sessions this call opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#connections.map((connection) => connection.close()));
  }

  async #listMcp(signal: AbortSignal): Promise<void> {
    if (this.#connections.length === 0) return;
    const listed = new Map<McpConnection, readonly { name: string; description: string; inputSchema: Record<string, unknown> }[]>();
    await Promise.all(
      this.#connections.map(async (connection) => {
        const answer = await this.#options.catalog.tools(connection, signal);
        if (answer.ok) listed.set(connection, answer.tools);
        else if (!signal.aborted) this.#log.warn({ server: connection.server.name, error: answer.error }, 'MCP server tools unavailable for this call');
      }),
    );
    if (!this.#closed) this.#entries = this.#assign(listed);
  }

  #assign(listed: ReadonlyMap<McpConnection, readonly { name: string; description: string; inputSchema: Record<string, unknown> }[]>): Map<string, Entry> {
    type Target = { kind: 'http'; definition: HttpToolDefinition } | { kind: 'mcp'; connection: McpConnection; name: string; description: string; inputSchema: Record<string, unknown> };
    const candidates: ToolCandidate<Target>[] = [];
    const http = [...(this.#options.request.tools?.http ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const definition of http) candidates.push({ name: definition.name, prefix: null, target: { kind: 'http', definition } });
    const servers = [...this.#connections].sort((a, b) => a.server.name.localeCompare(b.server.name) || a.server.id.localeCompare(b.server.id));
    for (const connection of servers) {
      const tools = [...(listed.get(connection) ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const tool of tools) candidates.push({ name: tool.name, prefix: connection.server.name, target: { kind: 'mcp', connection, ...tool } });
    }
    if (candidates.length > MAX_BUSINESS_TOOLS) {
      this.#log.warn({ offered: candidates.length, kept: MAX_BUSINESS_TOOLS }, 'too many business tools; the rest are not offered');
    }
    const entries = new Map<string, Entry>();
    for (const [exposed, target] of assignToolNames(this.#options.reservedNames, candidates.slice(0, MAX_BUSINESS_TOOLS))) {
      if (target.kind === 'http') {
        const { definition } = target;
        entries.set(exposed, { kind: 'http', definition, spec: { name: exposed, description: definition.description, parameters: objectSchema(definition.parameters) } });
      } else {
        entries.set(exposed, {
          kind: 'mcp',
          connection: target.connection,
          toolName: target.name,
          spec: { name: exposed, description: target.description.slice(0, MAX_DESCRIPTION_CHARS), parameters: objectSchema(target.inputSchema) },
        });
      }
    }
    return entries;
  }
}
