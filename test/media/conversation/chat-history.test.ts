import { describe, expect, it } from 'vitest';
import { ChatHistory, NOT_RUN_REPLY } from '../../../media/conversation/chat-history.js';
import { toApiMessages } from '../../../media/providers/openai-chat-format.js';
import type { ChatMessage } from '../../../media/providers/types.js';
import { validateChatRequest } from '../../fakes/openai/chat-validation.js';

/** What the real chat completions endpoint would say about these messages (null: accepted). */
function apiVerdict(messages: ChatMessage[]): string | null {
  return validateChatRequest({ model: 'gpt-4o-mini', messages: toApiMessages(messages) })?.message ?? null;
}

const call = (id: string, name = 'take_message') => ({ id, name, arguments: '{}' });

describe('ChatHistory', () => {
  it('keeps tool calls paired with their replies, whatever comes meanwhile', () => {
    const history = new ChatHistory(60);
    history.addCallerWords('Please take a message.');
    history.addToolCalls(null, [call('call_1')]);
    // The caller talks while the message is being stored: the words wait for the reply.
    history.addCallerWords('Okay.');
    expect(history.unansweredToolCalls).toBe(1);
    expect(history.request('system')).toEqual([
      { role: 'system', content: 'system' },
      { role: 'user', content: 'Please take a message.' },
    ]);
    expect(history.addToolReply('call_1', 'Done.')).toBe(true);
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(apiVerdict(history.request('system'))).toBeNull();
  });

  it('merges caller words only into their own last message', () => {
    const history = new ChatHistory(60);
    history.addCallerWords('I need an appointment');
    expect(history.mergeCallerWords('for tomorrow.')).toBe('I need an appointment for tomorrow.');
    history.addToolCalls(null, [call('call_1')]);
    history.addToolReply('call_1', 'Done.');
    // The last entry is the tool's reply: nothing is merged, nothing removed.
    expect(history.mergeCallerWords('Okay.')).toBeNull();
    expect(history.messages).toHaveLength(3);
    history.addCallerWords('Okay.');
    expect(history.mergeCallerWords('Thanks.')).toBe('Okay. Thanks.');
    expect(history.messages.at(-1)).toEqual({ role: 'user', content: 'Okay. Thanks.' });
    expect(apiVerdict(history.request('system'))).toBeNull();
  });

  it('merges into words waiting for a reply, never across the tool call', () => {
    const history = new ChatHistory(60);
    history.addCallerWords('Take a message.');
    history.addToolCalls('Sure.', [call('call_1')]);
    expect(history.mergeCallerWords('Okay.')).toBeNull();
    history.addCallerWords('Okay.');
    expect(history.mergeCallerWords('Thanks.')).toBe('Okay. Thanks.');
    history.addToolReply('call_1', 'Done.');
    expect(history.messages).toEqual([
      { role: 'user', content: 'Take a message.' },
      { role: 'assistant', content: 'Sure.', toolCalls: [call('call_1')] },
      { role: 'tool', toolCallId: 'call_1', content: 'Done.' },
      { role: 'user', content: 'Okay. Thanks.' },
    ]);
  });

  it('answers calls that never ran, and ignores replies to unknown or answered calls', () => {
    const history = new ChatHistory(60);
    history.addCallerWords('Hello');
    history.addToolCalls(null, [call('a'), call('b')]);
    expect(history.addToolReply('a', 'Done.')).toBe(true);
    expect(history.addToolReply('a', 'Done again.')).toBe(false);
    expect(history.addToolReply('zzz', 'Done.')).toBe(false);
    history.answerUnanswered(NOT_RUN_REPLY);
    expect(history.unansweredToolCalls).toBe(0);
    expect(history.messages.at(-1)).toEqual({ role: 'tool', toolCallId: 'b', content: NOT_RUN_REPLY });
    expect(apiVerdict(history.request('system'))).toBeNull();
  });

  it('a new tool call message closes the previous one first', () => {
    const history = new ChatHistory(60);
    history.addCallerWords('Hello');
    history.addToolCalls(null, [call('a')]);
    history.addToolCalls(null, [call('b')]);
    history.addToolReply('b', 'Done.');
    expect(history.messages.map((m) => (m.role === 'tool' ? `${m.toolCallId}:${m.content}` : m.role))).toEqual([
      'user',
      'assistant',
      `a:${NOT_RUN_REPLY}`,
      'assistant',
      'b:Done.',
    ]);
    expect(apiVerdict(history.request('system'))).toBeNull();
  });

  it('trims whole groups: a tool call never loses its replies, and a group in progress stays', () => {
    const history = new ChatHistory(4);
    history.addCallerWords('one');
    history.addToolCalls(null, [call('a'), call('b')]);
    history.addToolReply('a', 'Done.');
    history.addToolReply('b', 'Done.');
    history.addAgentWords('two');
    history.addCallerWords('three');
    // user, assistant(a,b), tool, tool, assistant, user: the oldest groups go whole.
    expect(history.messages.map((m) => m.role)).toEqual(['assistant', 'user']);
    history.addToolCalls(null, [call('c')]);
    history.addAgentWords('waiting');
    history.addCallerWords('also waiting');
    expect(history.messages.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant']);
    history.addToolReply('c', 'Done.');
    expect(history.messages.map((m) => m.role)).toEqual(['assistant', 'tool', 'assistant', 'user']);
    expect(apiVerdict(history.request('system'))).toBeNull();
  });
});
