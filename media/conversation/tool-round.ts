// One round of tool calls applied to a turn (pure): the calls, and the replies
// known at once, go into the history; what is left are the backend actions
// to request, the business tools to run, and what the turn does next.
import type { AgentTurn } from './agent-turn.js';
import type { ChatHistory } from './chat-history.js';
import type { CallAction } from '../contract/backend.js';
import type { ClipName, LlmToolCall } from './conversation-types.js';
import { planToolCalls } from './tool-calls.js';

export interface ToolRound {
  /** Requests whose answers become the calls' replies (must be delivered). */
  readonly actions: readonly { toolCallId: string; action: CallAction }[];
  /** Business tools (HTTP, MCP) to run in the gateway; their answers become the calls' replies (must be delivered). */
  readonly business: readonly LlmToolCall[];
  /** Wait for those answers, ask the model again at once, or say what the turn has and end it. */
  readonly next: 'await_results' | 'ask_again' | 'speak';
  /** A call-ending tool came without words: this cached line is said instead. */
  readonly clip: ClipName | null;
}

export function applyToolRound(
  history: ChatHistory,
  turn: AgentTurn,
  text: string,
  calls: readonly LlmToolCall[],
  canTransfer: boolean,
  isBusinessTool?: (name: string) => boolean,
): ToolRound {
  history.addToolCalls(
    text === '' ? null : text,
    calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.arguments ?? {}) })),
  );
  turn.textInHistory += text;
  const plan = planToolCalls(calls, canTransfer, isBusinessTool);
  for (const result of plan.results) history.addToolReply(result.toolCallId, result.content);
  turn.afterSpeech ??= plan.afterSpeech;
  turn.pendingToolResults += plan.actions.length + plan.business.length;
  turn.toolsRunning += plan.business.length;
  if (turn.pendingToolResults > 0) return { actions: plan.actions, business: plan.business, next: 'await_results', clip: null };
  if (plan.needsAnotherRound && turn.afterSpeech === null) return { actions: [], business: [], next: 'ask_again', clip: null };
  turn.llmDone = true;
  const silent = turn.text.trim() === '' && turn.afterSpeech !== null;
  return { actions: [], business: [], next: 'speak', clip: silent ? (turn.afterSpeech!.kind === 'hangup' ? 'goodbye' : 'transfer_notice') : null };
}
