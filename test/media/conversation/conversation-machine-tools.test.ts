// The conversation state machine with a business's own tools (HTTP, MCP):
// they run through the agent (run_tool), their answers feed another LLM round,
// dead air while they run gets a filler sooner than while the LLM thinks, and
// a turn given up while they run still answers every tool call in the history.
import { describe, expect, it } from 'vitest';
import { ConversationMachine } from '../../../media/conversation/conversation-machine.js';
import type { ConversationEffect } from '../../../media/conversation/conversation-types.js';

const CLIPS = {
  greeting: 'Thanks for calling Acme Dental, how can I help?',
  reprompt: 'Are you still there?',
  goodbye: 'Thank you for calling, goodbye.',
  apology: 'Sorry, I am having trouble right now.',
  transfer_notice: 'Let me transfer you.',
  filler: 'One moment.',
  filler_more: 'Thanks for waiting.',
};

function machine(): ConversationMachine {
  return new ConversationMachine(
    {
      systemPrompt: 'You answer the phone for Acme Dental.',
      canTransfer: false,
      silenceRepromptMs: 7000,
      maxReprompts: 2,
      maxCallMs: 15 * 60_000,
      fillerAfterMs: 2000,
      isBusinessTool: (name) => name === 'lookup_order',
    },
    CLIPS,
  );
}

function only<T extends ConversationEffect['type']>(effects: ConversationEffect[], type: T) {
  return effects.filter((e): e is Extract<ConversationEffect, { type: T }> => e.type === type);
}

/** Greeted, the caller asked (speech ends at 2000 ms), and the LLM called lookup_order at 2400 ms. */
function toolCalled(m: ConversationMachine) {
  const start = m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
  const greeting = only(start, 'play_clip')[0]!.turn;
  m.handle({ type: 'agent_audio_sent', turn: greeting, atMs: 20 });
  m.handle({ type: 'agent_audio_done', turn: greeting, atMs: 900 });
  m.handle({ type: 'caller_speech_start', atMs: 1000 });
  m.handle({ type: 'caller_speech_end', atMs: 2000 });
  const asked = m.handle({ type: 'stt_final', text: 'Where is order A-17?', speechFinal: true, atMs: 2000 });
  const turn = only(asked, 'start_llm')[0]!.turn;
  m.handle({ type: 'llm_tool_call', turn, id: 'call_1', name: 'lookup_order', arguments: { order_id: 'A-17' } });
  const done = m.handle({ type: 'llm_done', turn, atMs: 2400 });
  return { turn, done };
}

describe('ConversationMachine with business tools', () => {
  it('runs a business tool through the agent and answers with its result in another round', () => {
    const m = machine();
    const { turn, done } = toolCalled(m);
    expect(done).toEqual([{ type: 'run_tool', turn, toolCallId: 'call_1', name: 'lookup_order', arguments: { order_id: 'A-17' } }]);
    const answered = m.handle({ type: 'tool_result', turn, toolCallId: 'call_1', content: '{"status":"shipped"}' });
    const next = only(answered, 'start_llm')[0]!;
    expect(next.turn).toBe(turn);
    expect(next.messages.slice(-2)).toEqual([
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"A-17"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"status":"shipped"}' },
    ]);
    // A result that comes twice (or for a call it never made) changes nothing.
    expect(m.handle({ type: 'tool_result', turn, toolCallId: 'call_1', content: 'again' })).toEqual([]);
  });

  it('covers a running tool with a filler after 700 ms of quiet, sooner than the LLM’s 2 s', () => {
    const m = machine();
    const { turn } = toolCalled(m);
    expect(only(m.handle({ type: 'tick', atMs: 2600, agentAudible: false }), 'play_clip')).toEqual([]);
    expect(only(m.handle({ type: 'tick', atMs: 2700, agentAudible: false }), 'play_clip')).toEqual([{ type: 'play_clip', turn, clip: 'filler' }]);
  });

  it('covers a tool that runs after spoken words too, once they have been heard', () => {
    const m = machine();
    const start = m.handle({ type: 'start', atMs: 0, wallMs: 0 });
    const greeting = only(start, 'play_clip')[0]!.turn;
    m.handle({ type: 'agent_audio_sent', turn: greeting, atMs: 20 });
    m.handle({ type: 'agent_audio_done', turn: greeting, atMs: 900 });
    m.handle({ type: 'caller_speech_start', atMs: 1000 });
    m.handle({ type: 'caller_speech_end', atMs: 2000 });
    const turn = only(m.handle({ type: 'stt_final', text: 'Where is order A-17?', speechFinal: true, atMs: 2000 }), 'start_llm')[0]!.turn;
    m.handle({ type: 'llm_text', turn, delta: 'Let me check.' });
    m.handle({ type: 'llm_tool_call', turn, id: 'call_1', name: 'lookup_order', arguments: {} });
    m.handle({ type: 'llm_done', turn, atMs: 2300 });
    m.handle({ type: 'agent_audio_sent', turn, atMs: 2400 });
    m.handle({ type: 'tick', atMs: 3000, agentAudible: true });
    expect(only(m.handle({ type: 'tick', atMs: 3600, agentAudible: false }), 'play_clip')).toEqual([]);
    expect(only(m.handle({ type: 'tick', atMs: 3700, agentAudible: false }), 'play_clip')).toEqual([{ type: 'play_clip', turn, clip: 'filler' }]);
  });

  it('answers a running tool call as cancelled when the caller speaks on, so the next request stays valid', () => {
    const m = machine();
    const { turn } = toolCalled(m);
    m.handle({ type: 'caller_speech_start', atMs: 2600 });
    m.handle({ type: 'caller_speech_end', atMs: 3200 });
    const again = m.handle({ type: 'stt_final', text: 'Actually, order B-2.', speechFinal: true, atMs: 3200 });
    expect(again.map((e) => e.type)).toEqual(['cancel_turn', 'report_turn', 'start_llm']);
    expect(only(again, 'cancel_turn')[0]!.turn).toBe(turn);
    const messages = only(again, 'start_llm')[0]!.messages;
    expect(messages.slice(-4)).toEqual([
      { role: 'user', content: 'Where is order A-17?' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"A-17"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'Cancelled: the conversation moved on before this finished.' },
      { role: 'user', content: 'Actually, order B-2.' },
    ]);
    // The late answer of the cancelled call is ignored.
    expect(m.handle({ type: 'tool_result', turn, toolCallId: 'call_1', content: 'late' })).toEqual([]);
  });
});
