// The chat completions wire shapes: our ChatMessage/ToolSpec to the API's
// messages and tools, and streamed tool-call deltas back to whole calls. Pure.
//
// Streamed tool calls (as the API sends them): the first delta of a call has
// its index, id, type and function name with arguments ''; the following
// deltas carry only the index and a piece of the arguments JSON string.
// Several calls (parallel tool calls) are told apart by index.

import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ChatMessage, ToolSpec } from './types.js';

export function toApiMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content ?? '' };
        return {
          role: 'assistant',
          content: message.content,
          tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
        };
      }
    }
  });
}

export function toApiTools(tools: readonly ToolSpec[]): ChatCompletionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/** One streamed tool-call delta, as in ChatCompletionChunk.Choice.Delta.tool_calls. */
export interface ToolCallDelta {
  index: number;
  id?: string | undefined;
  function?: { name?: string | undefined; arguments?: string | undefined } | undefined;
}

export interface AssembledToolCall {
  id: string;
  name: string;
  /** The arguments JSON, parsed ('' counts as {}). */
  arguments: unknown;
}

export type AssembledToolCalls = { ok: true; calls: AssembledToolCall[] } | { ok: false; problem: string };

export class ToolCallAssembler {
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  add(deltas: readonly ToolCallDelta[] | null | undefined): void {
    for (const delta of deltas ?? []) {
      let call = this.calls.get(delta.index);
      if (call === undefined) {
        call = { id: '', name: '', arguments: '' };
        this.calls.set(delta.index, call);
      }
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
    }
  }

  get size(): number {
    return this.calls.size;
  }

  /** Every call in index order with its parsed arguments, or what is wrong with one of them. */
  finish(): AssembledToolCalls {
    const calls: AssembledToolCall[] = [];
    for (const [index, call] of [...this.calls.entries()].sort((a, b) => a[0] - b[0])) {
      if (call.id.length === 0 || call.name.length === 0) return { ok: false, problem: `tool call ${index} has no id or name` };
      let parsed: unknown;
      try {
        parsed = call.arguments.trim().length === 0 ? {} : JSON.parse(call.arguments);
      } catch {
        return { ok: false, problem: `arguments of tool call ${index} (${call.name.slice(0, 64)}) are not JSON` };
      }
      calls.push({ id: call.id, name: call.name, arguments: parsed });
    }
    return { ok: true, calls };
  }
}
