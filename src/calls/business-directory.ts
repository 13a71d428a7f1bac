// Finds the business that owns a dialed number, with what the agent needs to
// speak for it.
import { KeypadActions, type AgentSettings, type SessionTools } from '../../media/contract/sessions.js';
import { readEngineSelection, readVadMode } from './business-engine.js';
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

export function prismaBusinessDirectory(prisma: PrismaClient, onProblem: (businessId: string, problem: string) => void = () => {}): BusinessDirectory {
  return {
    async findByNumber(e164) {
      const row = await prisma.phoneNumber.findUnique({ where: { e164 }, include: { business: true } });
      if (!row) return null;
      const tools = await loadSessionTools(prisma, row.business.id);
      return { tools, businessId: row.business.id, agent: agentSettingsOf(row.business, onProblem) };
    },
  };
}
