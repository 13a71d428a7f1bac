// A business's integrations written straight into the database, for tests
// that exercise what happens with them (the console's forms are tested on
// their own): webhook endpoints, HTTP tools, MCP servers.
import type { Prisma, PrismaClient } from '../../src/db/index.js';
import { newSigningSecret } from '../../media/contract/standard-webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/integrations/webhook-events.js';

export async function addWebhookEndpoint(prisma: PrismaClient, businessId: string, url: string, events: readonly string[] = WEBHOOK_EVENT_TYPES): Promise<{ id: string; secret: string }> {
  const secret = newSigningSecret();
  const endpoint = await prisma.webhookEndpoint.create({ data: { businessId, url, events: [...events], secret } });
  return { id: endpoint.id, secret };
}

export interface HttpToolRow {
  name: string;
  description?: string;
  parameters?: Prisma.InputJsonObject;
  url: string;
  method?: string;
  timeoutMs?: number;
}

export async function addHttpTool(prisma: PrismaClient, businessId: string, tool: HttpToolRow): Promise<{ id: string; secret: string }> {
  const secret = newSigningSecret();
  const row = await prisma.httpTool.create({
    data: {
      businessId,
      name: tool.name,
      description: tool.description ?? `The ${tool.name} tool.`,
      parameters: tool.parameters ?? { type: 'object', properties: {} },
      url: tool.url,
      method: tool.method ?? 'POST',
      secret,
      timeoutMs: tool.timeoutMs ?? 5_000,
    },
  });
  return { id: row.id, secret };
}

export async function addMcpServer(prisma: PrismaClient, businessId: string, server: { name: string; url: string; token: string | null; timeoutMs?: number }): Promise<string> {
  const row = await prisma.mcpServer.create({ data: { businessId, name: server.name, url: server.url, token: server.token, timeoutMs: server.timeoutMs ?? 5_000 } });
  return row.id;
}
