// What the LLM's tool calls mean for the call (pure): the tool results to put
// in the history, the backend actions to request now, the business's own
// tools (HTTP, MCP) to run in the gateway, and what happens once
// the agent's words have been played. A transfer's reply is its real outcome:
// it comes once the backend has tried (after the words), so a refused transfer
// is told to the model and the call goes on.
import type { CallAction } from '../contract/backend.js';
import type { ChatMessage } from '../providers/types.js';
import { TOOL_NAMES } from './conversation-tools.js';

export type AfterSpeech =
  | { kind: 'hangup'; reason: 'agent_goodbye' | 'caller_silence' | 'max_duration' | 'provider_failure'; forced: boolean }
  /** `toolCallId`: the transfer the model asked for, whose outcome becomes that call's reply. */
  | { kind: 'transfer'; reason: string | null; forced: boolean; toolCallId: string | null };

export interface ToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

export interface ToolPlan {
  /** Tool results known at once (the others come with the actions' answers). */
  results: Extract<ChatMessage, { role: 'tool' }>[];
  /** Requests to the backend whose answers become tool results. */
  actions: { toolCallId: string; action: CallAction }[];
  /** The business's own tools (HTTP, MCP) to run; their results come back as tool_result. */
  business: ToolCall[];
  /** Set when the call ends or moves once the agent's words are played. */
  afterSpeech: AfterSpeech | null;
  /** A tool result the LLM must react to (it answers again). */
  needsAnotherRound: boolean;
}

const text = (value: unknown, max: number, fallback: string): string =>
  (typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value)).slice(0, max) || fallback;

/** Said when a call-ending tool came with other tools: their outcome must reach the caller first. */
export const ENDING_NOT_ALONE =
  'Not done: end the call or transfer only on its own, once the caller has heard the outcome of the other requests.';

const ENDING_TOOLS: ReadonlySet<string> = new Set([TOOL_NAMES.endCall, TOOL_NAMES.transfer]);

export function planToolCalls(calls: readonly ToolCall[], canTransfer: boolean, isBusinessTool: (name: string) => boolean = () => false): ToolPlan {
  const plan: ToolPlan = { results: [], actions: [], business: [], afterSpeech: null, needsAnotherRound: false };
  // Ending the call together with anything else would end it before the caller
  // heard how the rest went (a message that could not be saved): refused, the model answers again.
  const endingRefused = calls.length > 1 && calls.some((call) => ENDING_TOOLS.has(call.name));
  for (const call of calls) {
    const args = (call.arguments ?? {}) as Record<string, unknown>;
    if (endingRefused && ENDING_TOOLS.has(call.name)) {
      plan.results.push({ role: 'tool', toolCallId: call.id, content: ENDING_NOT_ALONE });
      plan.needsAnotherRound = true;
    } else if (isBusinessTool(call.name)) {
      plan.business.push(call);
    } else if (call.name === TOOL_NAMES.endCall) {
      plan.afterSpeech = { kind: 'hangup', reason: 'agent_goodbye', forced: false };
      plan.results.push({ role: 'tool', toolCallId: call.id, content: 'The call will end after your goodbye.' });
    } else if (call.name === TOOL_NAMES.transfer && canTransfer) {
      const reason = typeof args.reason === 'string' ? args.reason.slice(0, 500) : null;
      plan.afterSpeech = { kind: 'transfer', reason, forced: false, toolCallId: call.id };
    } else if (call.name === TOOL_NAMES.takeMessage) {
      plan.actions.push({
        toolCallId: call.id,
        action: {
          type: 'take_message',
          callerName: text(args.caller_name, 200, 'unknown'),
          callbackNumber: text(args.callback_number, 40, 'unknown'),
          reason: text(args.reason, 2000, 'not given'),
        },
      });
    } else {
      const why = call.name === TOOL_NAMES.transfer ? 'No one is available to take a transfer.' : `Unknown tool ${call.name}.`;
      plan.results.push({ role: 'tool', toolCallId: call.id, content: why });
      plan.needsAnotherRound = true;
    }
  }
  return plan;
}
