// What the Realtime server's conversation must be told that it does not hear
// itself: the cached lines the gateway plays (greeting, reprompt, ...) as
// assistant text, keys the caller pressed as user text, the replies to the
// model's function calls, and a moved call's conversation so far. The caller's
// speech and the model's own answers are in it already. Pure: client events out.
import type { ResumeContext } from '../../contract/sessions.js';
import type { ChatMessage } from '../../providers/types.js';

export class ConversationSync {
  /** Function calls the server made (only those can take an output). */
  readonly #serverCalls = new Set<string>();
  readonly #answered = new Set<string>();

  /** The model called a function: its reply is expected with this call id. */
  serverCall(callId: string): void {
    this.#serverCalls.add(callId);
  }

  /** Replies not yet sent for the server's calls, in the history's order. */
  toolOutputs(messages: readonly ChatMessage[]): Record<string, unknown>[] {
    const events: Record<string, unknown>[] = [];
    for (const message of messages) {
      if (message.role !== 'tool' || !this.#serverCalls.has(message.toolCallId) || this.#answered.has(message.toolCallId)) continue;
      this.#answered.add(message.toolCallId);
      events.push({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: message.toolCallId, output: message.content } });
    }
    return events;
  }
}

export function assistantText(text: string): Record<string, unknown> {
  return { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] } };
}

export function userText(text: string): Record<string, unknown> {
  return { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } };
}

/** A moved call: the turns so far, as text items, before anything else. */
export function resumeItems(resume: ResumeContext | undefined): Record<string, unknown>[] {
  return (resume?.turns ?? []).filter((turn) => turn.text.trim() !== '').map((turn) => (turn.role === 'caller' ? userText(turn.text) : assistantText(turn.text)));
}
