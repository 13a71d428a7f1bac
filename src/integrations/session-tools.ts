// The business's tools as the media gateway gets them at session create
// (media/contract/sessions.ts SessionTools): enabled HTTP tools and MCP servers.
import type { PrismaClient } from '../db/index.js';
import { HTTP_TOOL_METHODS, type SessionTools } from '../../media/contract/sessions.js';

type Method = (typeof HTTP_TOOL_METHODS)[number];
const isMethod = (value: string): value is Method => (HTTP_TOOL_METHODS as readonly string[]).includes(value);

export async function loadSessionTools(prisma: PrismaClient, businessId: string): Promise<SessionTools> {
  const [tools, servers] = await Promise.all([
    prisma.httpTool.findMany({ where: { businessId, enabled: true }, orderBy: { name: 'asc' } }),
    prisma.mcpServer.findMany({ where: { businessId, enabled: true }, orderBy: { name: 'asc' } }),
  ]);
  return {
    http: tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters as Record<string, unknown>,
      url: tool.url,
      method: isMethod(tool.method) ? tool.method : 'POST',
      secret: tool.secret,
      timeoutMs: tool.timeoutMs,
    })),
    mcp: servers.map((server) => ({ id: server.id, name: server.name, url: server.url, token: server.token, timeoutMs: server.timeoutMs })),
  };
}
