// The LLM's view of the conversation (pure), kept valid for the chat API at
// every moment: an assistant message with tool calls is always followed by one
// tool reply per call before anything else, and no tool reply stands without
// its call. The API refuses a request that breaks either rule (400), which
// would end the call, so the rules live here rather than in every caller:
//
// - Words that arrive while tool replies are outstanding (the caller talking
//   while a message is being stored) wait and follow the replies.
// - The caller's words can be merged only into their own last message, and
//   only while nothing came after it; anything else is a new message.
// - Trimming to `maxMessages` drops whole groups from the front: a tool call
//   message goes together with its replies.
import type { ChatMessage } from '../providers/types.js';

type ToolReply = Extract<ChatMessage, { role: 'tool' }>;
type WordsMessage = { role: 'user'; content: string } | { role: 'assistant'; content: string };

export interface ToolCallRecord {
  id: string;
  name: string;
  /** The arguments as the model sent them (a JSON string). */
  arguments: string;
}

/** Said in place of a result for a call that never ran (the turn was cancelled first). */
export const NOT_RUN_REPLY = 'Not done: the caller interrupted before this ran.';

export class ChatHistory {
  readonly #maxMessages: number;
  readonly #messages: ChatMessage[] = [];
  /** Ids of the last tool call message's calls that have no reply yet. */
  readonly #unanswered = new Set<string>();
  /** Words that came while replies were outstanding, in order. */
  #waiting: WordsMessage[] = [];

  constructor(maxMessages: number) {
    if (!Number.isInteger(maxMessages) || maxMessages < 2) throw new RangeError('maxMessages must be an integer >= 2');
    this.#maxMessages = maxMessages;
  }

  /** Tool calls still waiting for their reply: no LLM request may be made meanwhile. */
  get unansweredToolCalls(): number {
    return this.#unanswered.size;
  }

  /** Every message sent to the LLM, in order (the waiting words are not there yet). */
  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** The messages of a request: complete groups only, so always valid for the API. */
  request(systemPrompt: string): ChatMessage[] {
    const complete = this.#unanswered.size === 0 ? this.#messages : this.#messages.slice(0, this.#lastToolCallIndex());
    return [{ role: 'system', content: systemPrompt }, ...complete];
  }

  addCallerWords(text: string): void {
    this.#addWords({ role: 'user', content: text });
  }

  addAgentWords(text: string): void {
    this.#addWords({ role: 'assistant', content: text });
  }

  /**
   * Appends `text` to the caller's last message when it is the last thing in
   * the conversation (the caller went on before anything answered them) and
   * returns the merged words; returns null, changing nothing, otherwise.
   */
  mergeCallerWords(text: string): string | null {
    const last = this.#waiting.at(-1) ?? (this.#unanswered.size === 0 ? this.#messages.at(-1) : undefined);
    if (last?.role !== 'user') return null;
    last.content = `${last.content} ${text}`;
    return last.content;
  }

  /** The model's tool calls (with the words it said before them); each needs a reply. */
  addToolCalls(text: string | null, calls: readonly ToolCallRecord[]): void {
    if (calls.length === 0) throw new RangeError('a tool call message needs at least one call');
    // Replies still missing for earlier calls can no longer come in order.
    this.answerUnanswered(NOT_RUN_REPLY);
    this.#push({ role: 'assistant', content: text, toolCalls: calls.map((call) => ({ ...call })) });
    for (const call of calls) this.#unanswered.add(call.id);
  }

  /** The reply to one call; ignored (false) for a call that has one already or is unknown. */
  addToolReply(toolCallId: string, content: string): boolean {
    if (!this.#unanswered.delete(toolCallId)) return false;
    // Replies may come in any order; the API wants them after their call, in any order too.
    const reply: ToolReply = { role: 'tool', toolCallId, content };
    this.#push(reply);
    if (this.#unanswered.size === 0) this.#release();
    return true;
  }

  /** Gives every call still without a reply this one (a turn given up before they ran). */
  answerUnanswered(content: string): void {
    for (const id of [...this.#unanswered]) this.addToolReply(id, content);
  }

  #addWords(message: WordsMessage): void {
    if (this.#unanswered.size > 0) this.#waiting.push(message);
    else this.#push(message);
  }

  #release(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const message of waiting) this.#push(message);
  }

  #push(message: ChatMessage): void {
    this.#messages.push(message);
    this.#trim();
  }

  /** Drops the oldest groups until at most maxMessages remain (a group in progress stays whole). */
  #trim(): void {
    while (this.#messages.length > this.#maxMessages) {
      const inProgressAt = this.#unanswered.size > 0 ? this.#lastToolCallIndex() : this.#messages.length;
      const size = this.#groupSize(0);
      if (size > inProgressAt || inProgressAt === 0) return;
      this.#messages.splice(0, size);
    }
  }

  /** Length of the group starting at `index`: a tool call message and its replies, or one message. */
  #groupSize(index: number): number {
    const first = this.#messages[index];
    if (first?.role !== 'assistant' || !first.toolCalls?.length) return 1;
    let end = index + 1;
    while (this.#messages[end]?.role === 'tool') end += 1;
    return end - index;
  }

  #lastToolCallIndex(): number {
    for (let i = this.#messages.length - 1; i >= 0; i -= 1) {
      const message = this.#messages[i]!;
      if (message.role === 'assistant' && message.toolCalls?.length) return i;
    }
    return this.#messages.length;
  }
}
