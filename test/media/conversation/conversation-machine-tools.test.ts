// The conversation state machine with a business's own tools (HTTP, MCP):
// they run in the gateway (run_tool), their answers feed another LLM round of
// the same turn, dead air while they run gets a filler sooner than while the
// LLM thinks, and their results are must-deliver like a backend action's: a
// caller who speaks meanwhile is answered once the result is in the history.
import { describe, expect, it } from 'vitest';
import type { ConversationMachine } from '../../../media/conversation/conversation-machine.js';
import { ENDING_NOT_ALONE } from '../../../media/conversation/tool-calls.js';
import { callerSays, expectValidRequest, greetedAndAsked, machine as baseMachine, only, roundDone, types } from './machine-fixtures.js';

function machine(): ConversationMachine {
  return baseMachine({ canTransfer: false, fillerAfterMs: 2000, isBusinessTool: (name) => name === 'lookup_order' });
}

const LOOKUP = { id: 'call_1', name: 'lookup_order', arguments: { order_id: 'A-17' } };

describe('ConversationMachine with business tools', () => {
  it('runs a business tool in the gateway and answers with its result in another round of the same turn', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Where is order A-17?');
    const done = roundDone(m, answerTurn, '', 2400, [LOOKUP]);
    expect(done).toEqual([{ type: 'run_tool', turn: answerTurn, toolCallId: 'call_1', name: 'lookup_order', arguments: { order_id: 'A-17' } }]);
    const answered = m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_1', content: '{"status":"shipped"}' });
    const next = only(answered, 'start_llm')[0]!;
    expect(next.turn).toBe(answerTurn);
    expectValidRequest(next.messages);
    expect(next.messages.slice(-2)).toEqual([
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"A-17"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"status":"shipped"}' },
    ]);
    // A result that comes twice (or for a call it never made) changes nothing.
    expect(m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_1', content: 'again' })).toEqual([]);
    expect(m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_404', content: 'stray' })).toEqual([]);
  });

  it('runs a business tool and a backend action of one round together, and asks again once both answered', () => {
    const m = baseMachine({ isBusinessTool: (name) => name === 'lookup_order' });
    const { answerTurn } = greetedAndAsked(m, 'Check A-17 and take a message.');
    const done = roundDone(m, answerTurn, '', 2400, [LOOKUP, { id: 'call_2', name: 'take_message', arguments: { caller_name: 'Ann', callback_number: '555', reason: 'A-17' } }]);
    expect(types(done).sort()).toEqual(['action', 'run_tool']);
    expect(m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_1', content: 'shipped' })).toEqual([]);
    const both = m.handle({ type: 'action_result', turn: answerTurn, toolCallId: 'call_2', ok: true, message: null });
    expect(types(both)).toEqual(['start_llm']);
    expectValidRequest(only(both, 'start_llm')[0]!.messages);
  });

  it('refuses end_call that comes with a business tool: the caller must hear the tool’s outcome first', () => {
    const m = baseMachine({ isBusinessTool: (name) => name === 'lookup_order' });
    const { answerTurn } = greetedAndAsked(m, 'Where is A-17? Bye.');
    const done = roundDone(m, answerTurn, '', 2400, [LOOKUP, { id: 'call_2', name: 'end_call', arguments: {} }]);
    expect(types(done)).toEqual(['run_tool']);
    const answered = m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_1', content: 'shipped' });
    const messages = only(answered, 'start_llm')[0]!.messages;
    expect(messages.find((x) => x.role === 'tool' && x.toolCallId === 'call_2')).toMatchObject({ content: ENDING_NOT_ALONE });
  });

  it('covers a running tool with a filler after 700 ms of quiet, sooner than the LLM’s 2 s', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Where is order A-17?');
    roundDone(m, answerTurn, '', 2400, [LOOKUP]);
    // Quiet since the caller's speech ended at 2000 ms.
    expect(only(m.handle({ type: 'tick', atMs: 2600, agentAudible: false }), 'play_clip')).toEqual([]);
    expect(only(m.handle({ type: 'tick', atMs: 2700, agentAudible: false }), 'play_clip')).toEqual([{ type: 'play_clip', turn: answerTurn, clip: 'filler' }]);
  });

  it('covers a tool that runs after spoken words too, once they have been heard', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Where is order A-17?');
    roundDone(m, answerTurn, 'Let me check.', 2400, [{ ...LOOKUP, arguments: {} }]);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2500 });
    m.handle({ type: 'tick', atMs: 3000, agentAudible: true });
    expect(only(m.handle({ type: 'tick', atMs: 3600, agentAudible: false }), 'play_clip')).toEqual([]);
    expect(only(m.handle({ type: 'tick', atMs: 3700, agentAudible: false }), 'play_clip')).toEqual([{ type: 'play_clip', turn: answerTurn, clip: 'filler' }]);
  });

  it('no longer hurries the filler once the tool answered', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Where is order A-17?');
    roundDone(m, answerTurn, '', 2400, [LOOKUP]);
    m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_1', content: 'shipped' });
    expect(only(m.handle({ type: 'tick', atMs: 2800, agentAudible: false }), 'play_clip')).toEqual([]);
    expect(only(m.handle({ type: 'tick', atMs: 4000, agentAudible: false }), 'play_clip')).toEqual([{ type: 'play_clip', turn: answerTurn, clip: 'filler' }]);
  });

  it('keeps a running tool’s result when the caller speaks on: the next request waits for it and pairs the call', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Where is order A-17?');
    roundDone(m, answerTurn, '', 2400, [LOOKUP]);
    const again = callerSays(m, 'Actually, order B-2.', 3200);
    expect(types(again)).toEqual(['cancel_turn', 'report_turn']);
    expect(only(again, 'cancel_turn')[0]!.turn).toBe(answerTurn);
    // The tool answers after its turn was replaced: its result is recorded and the new turn asks now.
    const result = m.handle({ type: 'tool_result', turn: answerTurn, toolCallId: 'call_1', content: '{"status":"shipped"}' });
    expect(types(result)).toEqual(['start_llm']);
    const messages = only(result, 'start_llm')[0]!.messages;
    expectValidRequest(messages);
    expect(messages.slice(-4)).toEqual([
      { role: 'user', content: 'Where is order A-17?' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"A-17"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"status":"shipped"}' },
      { role: 'user', content: 'Actually, order B-2.' },
    ]);
  });
});
