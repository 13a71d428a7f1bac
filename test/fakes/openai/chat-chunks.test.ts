import { describe, expect, it } from 'vitest';
import { streamChunks, type CompletionContext } from './chat-chunks.js';

describe('provider fakes: chat chunks', () => {
  it('puts the role in the first delta and a single finish chunk at the end', () => {
    const context: CompletionContext = {
      id: 'chatcmpl-x', created: 1, model: 'm', systemFingerprint: 'fp', includeUsage: false, includeObfuscation: false, promptTokens: 1,
      toolCallId: (index) => `call_${index}`,
    };
    const chunks = streamChunks({ toolCalls: [{ name: 'f', arguments: { a: 1 } }] }, context);
    const deltas = chunks.map((c) => (c['choices'] as Array<{ delta: unknown; finish_reason: unknown }>)[0]!);
    expect(deltas[0]!.delta).toEqual({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: 'f', arguments: '' } }], refusal: null });
    expect(deltas.filter((d) => d.finish_reason !== null)).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }]);
    expect(chunks.every((c) => !('usage' in c) && !('obfuscation' in c))).toBe(true);
  });
});
