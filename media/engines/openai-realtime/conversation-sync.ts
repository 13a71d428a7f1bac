// What the Realtime server's conversation must be told that it does not hear
// itself: the cached lines the gateway plays (greeting, reprompt, ...) as
// assistant text, keys the caller pressed as user text, the replies to the
// model's function calls, and a moved call's conversation so far. The caller's
// speech and the model's own answers are in it already, except on a session
// opened after a drop: that one starts empty and is given the whole
// conversation as items (reseed). Pure: client events out.
import type { ResumeContext } from '../../contract/sessions.js';
import type { ChatMessage } from '../../providers/types.js';

export interface ReseedInput {
  readonly history: readonly ChatMessage[];
  /** The caller-turn placeholder in the history's user messages. */
  readonly placeholder: string;
  /** Transcripts of the caller's committed turns, oldest first ('' when unknown). */
  readonly transcripts: readonly string[];
  /** What the turn in progress said so far (cached lines, the model's answers). */
  readonly inProgress: readonly string[];
}

export class ConversationSync {
  /** Function calls the server made (only those can take an output). */
  readonly #serverCalls = new Set<string>();
  readonly #answered = new Set<string>();

  /** The model called a function: its reply is expected with this call id. */
  serverCall(callId: string): void {
    this.#serverCalls.add(callId);
  }

  /**
   * The conversation so far as items for a new, empty session: the machine's
   * history (caller words with their transcripts in place of the placeholder,
   * the agent's words, function calls and their replies) and then what the
   * caller has been told in the turn in progress. Replies seeded here are sent;
   * the replies and calls not in it are still expected.
   */
  reseed(input: ReseedInput): Record<string, unknown>[] {
    const events: Record<string, unknown>[] = [];
    this.#answered.clear();
    // Placeholders are aligned with the transcripts from the end: the history may have dropped its oldest messages.
    const placeholders = input.history.reduce((count, m) => (m.role === 'user' ? count + m.content.split(input.placeholder).length - 1 : count), 0);
    let next = input.transcripts.length - placeholders;
    const transcript = (): string => {
      const text = next >= 0 ? (input.transcripts[next] ?? null) : null;
      next += 1;
      return text ?? '';
    };
    for (const message of input.history) {
      if (message.role === 'tool') {
        if (!this.#serverCalls.has(message.toolCallId)) continue;
        this.#answered.add(message.toolCallId);
        events.push({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: message.toolCallId, output: message.content } });
      } else if (message.role === 'user') {
        const text = message.content
          .split(input.placeholder)
          .reduce((joined, part, i) => (i === 0 ? part : `${joined}${transcript()}${part}`), '')
          .replace(/\s+/g, ' ')
          .trim();
        if (text !== '') events.push(userText(text));
      } else if (message.role === 'assistant') {
        if (message.content) events.push(assistantText(message.content));
        for (const call of message.toolCalls ?? []) {
          this.#serverCalls.add(call.id);
          events.push({ type: 'conversation.item.create', item: { type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments } });
        }
      }
    }
    // The turn in progress: its words are in the history only once it is over (said in a tool round: there already).
    const lastUser = input.history.findLastIndex((m) => m.role === 'user');
    const saidSince = new Set(input.history.slice(lastUser + 1).flatMap((m) => (m.role === 'assistant' && m.content ? [m.content.trim()] : [])));
    for (const text of input.inProgress) if (text.trim() !== '' && !saidSince.has(text.trim())) events.push(assistantText(text.trim()));
    return events;
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
