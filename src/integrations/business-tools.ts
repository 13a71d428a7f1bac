// A business's own tools as its managers manage them: HTTP tools (a name the
// model calls, a description, a JSON Schema of the arguments, URL, method,
// signing secret, timeout) and MCP servers (Streamable HTTP, bearer token).
// The gateway gets the enabled ones at every session create
// (session-tools.ts), so a change applies from the next call on.
//
// Checked when saved: the name (a function name the model accepts, not a
// built-in tool's), the schema (tool-schema.ts), the URL (the SSRF rules,
// integration-input.ts), the timeout's bounds. Every change goes to the audit
// log; secrets and tokens never do.
import { HTTP_TOOL_METHODS, TOOL_NAME_PATTERN, TOOL_TIMEOUT_MS } from '../../media/contract/sessions.js';
import { newSigningSecret } from '../../media/contract/standard-webhooks.js';
import type { PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AuditAction, AuditLog } from '../staff/audit-log.js';
import { checkedDestination, checkedMs, checkedText, isUniqueViolation, isUuid, shownDestination, type ChangeContext, type IntegrationPolicy } from './integration-input.js';
import { checkToolSchema } from './tool-schema.js';

/** The built-in tools' names (the gateway's media/conversation/conversation-tools.ts): a business tool may not take one. */
export const BUILT_IN_TOOL_NAMES: readonly string[] = ['end_call', 'transfer_to_human', 'take_message'];
/** As many as a session may carry (media/contract/sessions.ts SessionTools). */
export const MAX_HTTP_TOOLS = 64;
export const MAX_MCP_SERVERS = 16;
export const MCP_SERVER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_DESCRIPTION = 1024;
const MAX_TOKEN = 4096;

export type HttpToolMethod = (typeof HTTP_TOOL_METHODS)[number];

export interface HttpToolInput {
  readonly name: string;
  readonly description: string;
  /** The JSON Schema as typed. */
  readonly parameters: string;
  readonly url: string;
  readonly method: string;
  readonly timeoutMs: number;
  readonly enabled: boolean;
}

export interface HttpToolView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
  readonly url: string;
  readonly method: HttpToolMethod;
  readonly timeoutMs: number;
  readonly enabled: boolean;
}

export interface McpServerInput {
  readonly name: string;
  readonly url: string;
  /** On a change, null keeps the stored token and '' removes it. */
  readonly token: string | null;
  readonly timeoutMs: number;
  readonly enabled: boolean;
}

export interface McpServerView {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly hasToken: boolean;
  readonly timeoutMs: number;
  readonly enabled: boolean;
}

const isMethod = (value: string): value is HttpToolMethod => (HTTP_TOOL_METHODS as readonly string[]).includes(value);

export class BusinessTools {
  readonly #prisma: PrismaClient;
  readonly #audit: AuditLog;
  readonly #policy: IntegrationPolicy;

  constructor(options: { prisma: PrismaClient; audit: AuditLog; policy: IntegrationPolicy }) {
    this.#prisma = options.prisma;
    this.#audit = options.audit;
    this.#policy = options.policy;
  }

  // HTTP tools

  async listHttp(businessId: string): Promise<HttpToolView[]> {
    const rows = await this.#prisma.httpTool.findMany({ where: { businessId }, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      description: row.description,
      parameters: row.parameters as Record<string, unknown>,
      url: row.url,
      method: isMethod(row.method) ? row.method : 'POST',
      timeoutMs: row.timeoutMs,
      enabled: row.enabled,
    }));
  }

  async #httpRow(businessId: string, id: string) {
    const row = isUuid(id) ? await this.#prisma.httpTool.findFirst({ where: { id, businessId } }) : null;
    if (!row) throw new ApiError('not_found', 'no such tool');
    return row;
  }

  async #checkedHttp(input: HttpToolInput) {
    const name = input.name.trim();
    if (!TOOL_NAME_PATTERN.test(name)) throw new ApiError('bad_request', 'name must start with a letter and hold only letters, digits, "_" and "-" (at most 64)');
    if (BUILT_IN_TOOL_NAMES.includes(name)) throw new ApiError('bad_request', `name ${name} is a built-in tool's`);
    const description = checkedText('description', input.description, MAX_DESCRIPTION);
    const schema = checkToolSchema(input.parameters.trim());
    if (!schema.ok) throw new ApiError('bad_request', `the arguments' JSON Schema ${schema.problem}`);
    const method = input.method.trim().toUpperCase();
    if (!isMethod(method)) throw new ApiError('bad_request', `method must be one of ${HTTP_TOOL_METHODS.join(', ')}`);
    const url = await checkedDestination('URL', input.url, this.#policy);
    const timeoutMs = checkedMs('timeout', input.timeoutMs, TOOL_TIMEOUT_MS);
    return { name, description, parameters: schema.schema as object, url, method, timeoutMs, enabled: input.enabled };
  }

  /** Adds a tool with a new signing secret; returns its id and the secret. */
  async createHttp(change: ChangeContext, input: HttpToolInput): Promise<{ id: string; secret: string }> {
    const fields = await this.#checkedHttp(input);
    if ((await this.#prisma.httpTool.count({ where: { businessId: change.businessId } })) >= MAX_HTTP_TOOLS) {
      throw new ApiError('conflict', `a business may have at most ${MAX_HTTP_TOOLS} HTTP tools`);
    }
    const secret = newSigningSecret();
    const row = await this.#unique(fields.name, () => this.#prisma.httpTool.create({ data: { businessId: change.businessId, ...fields, secret } }));
    await this.#record(change, 'tool_added', row.id, `${fields.name} (${fields.method} ${shownDestination(fields.url)})`);
    return { id: row.id, secret };
  }

  async updateHttp(change: ChangeContext, id: string, input: HttpToolInput): Promise<void> {
    await this.#httpRow(change.businessId, id);
    const fields = await this.#checkedHttp(input);
    await this.#unique(fields.name, () => this.#prisma.httpTool.update({ where: { id }, data: fields }));
    await this.#record(change, 'tool_changed', id, `${fields.name} (${fields.method} ${shownDestination(fields.url)})${fields.enabled ? '' : ', disabled'}`);
  }

  async removeHttp(change: ChangeContext, id: string): Promise<void> {
    const row = await this.#httpRow(change.businessId, id);
    await this.#prisma.httpTool.delete({ where: { id } });
    await this.#record(change, 'tool_deleted', id, row.name);
  }

  /** A new signing secret, in force from the next call on; returns it. */
  async rotateHttpSecret(change: ChangeContext, id: string): Promise<string> {
    const row = await this.#httpRow(change.businessId, id);
    const secret = newSigningSecret();
    await this.#prisma.httpTool.update({ where: { id }, data: { secret } });
    await this.#record(change, 'tool_changed', id, `${row.name}: new signing secret`);
    return secret;
  }

  /** The tool's signing secret, for a manager who asked to see it (audited). */
  async revealHttpSecret(change: ChangeContext, id: string): Promise<string> {
    const row = await this.#httpRow(change.businessId, id);
    await this.#record(change, 'webhook_secret_viewed', id, `HTTP tool ${row.name}`);
    return row.secret;
  }

  // MCP servers

  async listMcp(businessId: string): Promise<McpServerView[]> {
    const rows = await this.#prisma.mcpServer.findMany({ where: { businessId }, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
    return rows.map((row) => ({ id: row.id, name: row.name, url: row.url, hasToken: row.token !== null, timeoutMs: row.timeoutMs, enabled: row.enabled }));
  }

  async #mcpRow(businessId: string, id: string) {
    const row = isUuid(id) ? await this.#prisma.mcpServer.findFirst({ where: { id, businessId } }) : null;
    if (!row) throw new ApiError('not_found', 'no such MCP server');
    return row;
  }

  async #checkedMcp(input: McpServerInput) {
    const name = input.name.trim();
    if (!MCP_SERVER_NAME_PATTERN.test(name)) throw new ApiError('bad_request', 'name must start with a lower-case letter and hold only a-z, digits, "_" and "-" (at most 32)');
    const url = await checkedDestination('URL', input.url, this.#policy);
    const timeoutMs = checkedMs('timeout', input.timeoutMs, TOOL_TIMEOUT_MS);
    let token: string | null | undefined;
    if (input.token !== null) {
      token = input.token.trim() === '' ? null : input.token.trim();
      if (token !== null && (token.length > MAX_TOKEN || /[\s\p{Cc}]/u.test(token))) {
        throw new ApiError('bad_request', `the bearer token must be at most ${MAX_TOKEN} characters, without spaces or control characters`);
      }
    }
    return { name, url, timeoutMs, enabled: input.enabled, ...(token !== undefined ? { token } : {}) };
  }

  async createMcp(change: ChangeContext, input: McpServerInput): Promise<string> {
    const fields = await this.#checkedMcp(input);
    if ((await this.#prisma.mcpServer.count({ where: { businessId: change.businessId } })) >= MAX_MCP_SERVERS) {
      throw new ApiError('conflict', `a business may have at most ${MAX_MCP_SERVERS} MCP servers`);
    }
    const row = await this.#unique(fields.name, () => this.#prisma.mcpServer.create({ data: { businessId: change.businessId, token: null, ...fields } }));
    await this.#record(change, 'mcp_server_added', row.id, `${fields.name} (${shownDestination(fields.url)})`);
    return row.id;
  }

  async updateMcp(change: ChangeContext, id: string, input: McpServerInput): Promise<void> {
    await this.#mcpRow(change.businessId, id);
    const fields = await this.#checkedMcp(input);
    await this.#unique(fields.name, () => this.#prisma.mcpServer.update({ where: { id }, data: fields }));
    const token = 'token' in fields ? (fields.token === null ? ', token removed' : ', new token') : '';
    await this.#record(change, 'mcp_server_changed', id, `${fields.name} (${shownDestination(fields.url)})${token}${fields.enabled ? '' : ', disabled'}`);
  }

  async removeMcp(change: ChangeContext, id: string): Promise<void> {
    const row = await this.#mcpRow(change.businessId, id);
    await this.#prisma.mcpServer.delete({ where: { id } });
    await this.#record(change, 'mcp_server_deleted', id, row.name);
  }

  /** Runs a write whose name must be unique in the business; conflict when it is taken. */
  async #unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError('conflict', `the name ${name} is already used`);
      throw error;
    }
  }

  async #record(change: ChangeContext, action: AuditAction, targetId: string, detail: string): Promise<void> {
    await this.#audit.record({ businessId: change.businessId, actor: change.actor, action, targetId, detail, ip: change.ip });
  }
}
