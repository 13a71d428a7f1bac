// What every call's business tools share in one gateway: the SSRF-guarded
// fetch (the operator's policy) and the MCP tool lists cached across calls.
import type { Logger } from 'pino';
import { guardedFetch } from '../contract/guarded-fetch.js';
import type { OutboundPolicy } from '../contract/outbound-guard.js';
import type { CreateSessionRequest } from '../contract/sessions.js';
import { CallTools } from './call-tools.js';
import { McpToolCatalog } from './mcp-catalog.js';

/** An MCP server's tool list is reused this long (a manager's change shows within a minute). */
export const MCP_TOOLS_TTL_MS = 60_000;
/** A server that could not list its tools is asked again after this long. */
export const MCP_FAILURE_TTL_MS = 15_000;
export const TOOLS_USER_AGENT = 'prosaas-voice-agent-tools/1';

export type CallToolsFactory = (request: CreateSessionRequest, reservedNames: readonly string[], logger: Logger) => CallTools;

export function createCallToolsFactory(policy: OutboundPolicy, now: () => number = () => performance.now()): CallToolsFactory {
  const fetch = guardedFetch({ policy, userAgent: TOOLS_USER_AGENT });
  const catalog = new McpToolCatalog({ ttlMs: MCP_TOOLS_TTL_MS, failureTtlMs: MCP_FAILURE_TTL_MS, now });
  return (request, reservedNames, logger) => new CallTools({ request, reservedNames, catalog, fetch, logger, now });
}
