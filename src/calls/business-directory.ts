// Finds the business that owns a dialed number (or a business by id, for
// outbound calls), with what the agent needs to speak for it and how the
// business wants its calls handled.
import { KeypadActions, type AgentSettings, type SessionTools } from '../../media/contract/sessions.js';
import { readEngineSelection, readVadMode } from './business-engine.js';
import type { Business, PrismaClient } from '../db/index.js';
import { loadSessionTools } from '../integrations/session-tools.js';

export interface BusinessRoute {
  businessId: string;
  agent: AgentSettings;
  /** Percentage (0-100) of inbound calls the AI agent answers; the rest go to `agent.transferTarget`. */
  aiShare: number;
  /** How the agent hands a caller to a person: to the dialplan (cold) or after announcing them (warm). */
  transferMode: 'cold' | 'warm';
  /** Outbound: what an answering machine is told; null: hang up on machines. */
  voicemailMessage: string | null;
  /** Outbound: the number presented; null when the business has none to present. */
  outboundCallerId: string | null;
  /** The business's own tools (HTTP, MCP) for the agent; absent: none. */
  tools?: SessionTools;
}

export interface BusinessDirectory {
  /** The business owning `e164`, null when no business owns it; throws when the lookup fails. */
  findByNumber(e164: string): Promise<BusinessRoute | null>;
  /** The business with this id, null when there is none; throws when the lookup fails. */
  findById(businessId: string): Promise<BusinessRoute | null>;
}

/**
 * The business's key -> action map (a JSON object in `keypad_actions`). A value
 * that is not one (edited by hand) maps no key, and says why in `problem`: the
 * call goes on without keypad shortcuts rather than failing.
 */
export function readKeypadActions(text: string): { actions: KeypadActions; problem: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { actions: {}, problem: 'keypad_actions is not JSON' };
  }
  const checked = KeypadActions.safeParse(parsed);
  return checked.success ? { actions: checked.data, problem: null } : { actions: {}, problem: `keypad_actions: ${checked.error.issues[0]?.message ?? 'invalid'}` };
}

/** The columns of a business the agent speaks from. */
export interface BusinessAgentColumns {
  id: string;
  name: string;
  greeting: string;
  systemPrompt: string;
  voice: string;
  language: string;
  timezone: string;
  transferTarget: string | null;
  keypadActions: string;
  engine: string;
  engineSettings: unknown;
  vadMode: string;
}

export function agentSettingsOf(b: BusinessAgentColumns, onProblem: (businessId: string, problem: string) => void): AgentSettings {
  const keypad = readKeypadActions(b.keypadActions);
  if (keypad.problem) onProblem(b.id, keypad.problem);
  const engine = readEngineSelection(b.engine, b.engineSettings);
  if (engine.problem) onProblem(b.id, engine.problem);
  const vad = readVadMode(b.vadMode);
  if (vad.problem) onProblem(b.id, vad.problem);
  return {
    businessName: b.name,
    greeting: b.greeting,
    systemPrompt: b.systemPrompt,
    voice: b.voice,
    language: b.language,
    timezone: b.timezone,
    transferTarget: b.transferTarget,
    keypadActions: keypad.actions,
    engine: engine.selection,
    vadMode: vad.mode,
  };
}

type BusinessWithNumbers = Business & { phoneNumbers: { e164: string }[] };

/** The business's route without its tools (loaded separately: see prismaBusinessDirectory). */
export function businessRoute(b: BusinessWithNumbers, onProblem: (businessId: string, problem: string) => void = () => {}): BusinessRoute {
  return {
    businessId: b.id,
    agent: agentSettingsOf(b, onProblem),
    aiShare: b.aiShare,
    transferMode: b.transferMode,
    voicemailMessage: b.voicemailMessage,
    outboundCallerId: b.outboundCallerId ?? b.phoneNumbers[0]?.e164 ?? null,
  };
}

const NUMBERS = { phoneNumbers: { select: { e164: true }, orderBy: { e164: 'asc' } } } as const;
export function prismaBusinessDirectory(prisma: PrismaClient, onProblem: (businessId: string, problem: string) => void = () => {}): BusinessDirectory {
  return {
    async findByNumber(e164) {
      const row = await prisma.phoneNumber.findUnique({ where: { e164 }, include: { business: { include: NUMBERS } } });
      if (!row) return null;
      const tools = await loadSessionTools(prisma, row.business.id);
      return { ...businessRoute(row.business, onProblem), tools };
    },
    async findById(businessId) {
      const row = await prisma.business.findUnique({ where: { id: businessId }, include: NUMBERS });
      if (!row) return null;
      const tools = await loadSessionTools(prisma, row.id);
      return { ...businessRoute(row, onProblem), tools };
    },
  };
}
