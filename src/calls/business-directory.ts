// Finds the business that owns a dialed number, with what the agent needs to
// speak for it.
import type { AgentSettings, SessionTools } from '../../media/contract/sessions.js';
import type { PrismaClient } from '../db/index.js';
import { loadSessionTools } from '../integrations/session-tools.js';

export interface BusinessRoute {
  businessId: string;
  agent: AgentSettings;
  /** The business's own tools (HTTP, MCP) for the agent; absent: none. */
  tools?: SessionTools;
}

export interface BusinessDirectory {
  /** The business owning `e164`, null when no business owns it; throws when the lookup fails. */
  findByNumber(e164: string): Promise<BusinessRoute | null>;
}

export function prismaBusinessDirectory(prisma: PrismaClient): BusinessDirectory {
  return {
    async findByNumber(e164) {
      const row = await prisma.phoneNumber.findUnique({ where: { e164 }, include: { business: true } });
      if (!row) return null;
      const b = row.business;
      const tools = await loadSessionTools(prisma, b.id);
      return {
        tools,
        businessId: b.id,
        agent: {
          businessName: b.name,
          greeting: b.greeting,
          systemPrompt: b.systemPrompt,
          voice: b.voice,
          language: b.language,
          timezone: b.timezone,
          transferTarget: b.transferTarget,
        },
      };
    },
  };
}
