import { describe, expect, it } from 'vitest';
import { toApiMessages, toApiTools, ToolCallAssembler } from '../../../media/providers/openai-chat-format.js';

describe('chat wire format', () => {
  it('converts messages and tools to the chat completions shapes', () => {
    expect(
      toApiMessages([
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'end_call', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: 'ok' },
        { role: 'assistant', content: null },
        { role: 'assistant', content: 'A', toolCalls: [] },
      ]),
    ).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'end_call', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'A' },
    ]);
    expect(toApiTools([{ name: 'end_call', description: 'Ends.', parameters: { type: 'object' } }])).toEqual([
      { type: 'function', function: { name: 'end_call', description: 'Ends.', parameters: { type: 'object' } } },
    ]);
  });

  it('assembles parallel tool calls from their deltas by index and parses the arguments at the end', () => {
    const assembler = new ToolCallAssembler();
    assembler.add([{ index: 1, id: 'b', function: { name: 'end_call', arguments: '' } }]);
    assembler.add([{ index: 0, id: 'a', function: { name: 'take_message', arguments: '{"caller_' } }]);
    assembler.add([{ index: 0, function: { arguments: 'name":"Dana"}' } }]);
    assembler.add(undefined);
    expect(assembler.finish()).toEqual({
      ok: true,
      calls: [
        { id: 'a', name: 'take_message', arguments: { caller_name: 'Dana' } },
        { id: 'b', name: 'end_call', arguments: {} },
      ],
    });
    const broken = new ToolCallAssembler();
    broken.add([{ index: 0, id: 'a', function: { name: 'take_message', arguments: '{"caller_name": "Da' } }]);
    expect(broken.finish()).toEqual({ ok: false, problem: 'arguments of tool call 0 (take_message) are not JSON' });
    const nameless = new ToolCallAssembler();
    nameless.add([{ index: 0, function: { arguments: '{}' } }]);
    expect(nameless.finish()).toMatchObject({ ok: false });
  });
});
