import { describe, expect, it } from 'vitest';
import { validateChatRequest } from './chat-validation.js';

describe('provider fakes: chat request checks', () => {
  it('refuses dangling tool messages and accepts answered tool calls', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(validateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }] })).toBeNull();
    expect(validateChatRequest({ model: 'm', messages: [{ role: 'tool', tool_call_id: 'call_1', content: 'ok' }] })?.message).toMatch(/must be a response to a preceeding message/);
    expect(validateChatRequest({ model: 'm', messages: [] })?.param).toBe('messages');
    expect(validateChatRequest({ messages: [{ role: 'user', content: 'x' }] })?.message).toBe('you must provide a model parameter');
  });
});
