// A short caller utterance right after a tool ran and before the follow-up is
// heard: the history sent next stays valid for the chat API (every tool call
// paired with its reply, nothing removed or reordered but the caller's own last
// words), and the caller's words are answered once.
import { describe, expect, it } from 'vitest';
import type { ConversationMachine } from '../../../media/conversation/conversation-machine.js';
import type { ConversationEffect } from '../../../media/conversation/conversation-types.js';
import { ENDING_NOT_ALONE } from '../../../media/conversation/tool-calls.js';
import { callerSays, expectValidRequest, greetedAndAsked, machine, only, roundDone, types } from './machine-fixtures.js';

const MESSAGE_ARGS = { caller_name: 'Ann Lee', callback_number: '555 123 4567', reason: 'Call about results' };

interface ToolScenario {
  name: string;
  canTransfer: boolean;
  /** Runs the model's tool round for `turn`; returns the effects that start the follow-up round. */
  run(m: ConversationMachine, turn: number): ConversationEffect[];
  /** The tool reply the follow-up round is about. */
  reply: string;
}

const SCENARIOS: ToolScenario[] = [
  {
    name: 'take_message',
    canTransfer: true,
    reply: 'Done.',
    run(m, turn) {
      expect(types(roundDone(m, turn, '', 2600, [{ id: 'call_1', name: 'take_message', arguments: MESSAGE_ARGS }]))).toEqual(['action']);
      return m.handle({ type: 'action_result', turn, toolCallId: 'call_1', ok: true, message: null });
    },
  },
  {
    name: 'transfer refused (no one to transfer to)',
    canTransfer: false,
    reply: 'No one is available to take a transfer.',
    run(m, turn) {
      return roundDone(m, turn, '', 2600, [{ id: 'call_1', name: 'transfer_to_human', arguments: {} }]);
    },
  },
  {
    name: 'end_call refused (it came with another tool)',
    canTransfer: true,
    reply: 'Done.',
    run(m, turn) {
      const done = roundDone(m, turn, '', 2600, [
        { id: 'call_1', name: 'take_message', arguments: MESSAGE_ARGS },
        { id: 'call_2', name: 'end_call', arguments: {} },
      ]);
      expect(only(done, 'action').map((a) => a.action.type)).toEqual(['take_message']);
      const followUp = m.handle({ type: 'action_result', turn, toolCallId: 'call_1', ok: true, message: null });
      const messages = only(followUp, 'start_llm')[0]!.messages;
      expect(messages.find((x) => x.role === 'tool' && x.toolCallId === 'call_2')).toMatchObject({ content: ENDING_NOT_ALONE });
      return followUp;
    },
  },
];

describe.each(SCENARIOS)('a short reply after $name', (scenario) => {
  it('starts a new caller turn after the tool reply, answered once, with a valid history', () => {
    const m = machine({ canTransfer: scenario.canTransfer });
    const { answerTurn } = greetedAndAsked(m, 'Can you take a message for Dr. Smith?');
    const followUp = only(scenario.run(m, answerTurn), 'start_llm');
    expect(followUp).toHaveLength(1);
    expectValidRequest(followUp[0]!.messages);

    // The follow-up round waits for its first token; the caller says "Okay.".
    const okay = callerSays(m, 'Okay.', 3300);
    expect(types(okay)).toEqual(['cancel_turn', 'report_turn', 'start_llm']);
    expect(only(okay, 'cancel_turn')[0]!.turn).toBe(answerTurn);
    const caller = only(okay, 'report_turn')[0]!.turn;
    expect(caller).toMatchObject({ role: 'caller', text: 'Okay.' });
    expect(caller.seq).toBeGreaterThan(answerTurn);
    const request = only(okay, 'start_llm')[0]!.messages;
    expectValidRequest(request);
    // Nothing before the caller's words moved or went: the tool round is intact.
    expect(request.slice(0, -1)).toEqual(followUp[0]!.messages);
    expect(request.at(-1)).toEqual({ role: 'user', content: 'Okay.' });
    expect(request.some((x) => x.role === 'tool' && x.content.startsWith(scenario.reply))).toBe(true);

    // Answered once: the answer plays and nothing else is asked.
    const answer = only(okay, 'start_llm')[0]!.turn;
    expect(types(roundDone(m, answer, 'Your message is on its way.', 3500))).toEqual(['finish_speech']);
    m.handle({ type: 'agent_audio_sent', turn: answer, atMs: 3600 });
    expect(types(m.handle({ type: 'agent_audio_done', turn: answer, atMs: 4600 }))).toEqual(['report_turn']);
    expectValidRequest(m.history);
  });

  it('merges two quick utterances into one caller turn after the tool reply', () => {
    const m = machine({ canTransfer: scenario.canTransfer });
    const { answerTurn } = greetedAndAsked(m, 'Can you take a message for Dr. Smith?');
    const before = only(scenario.run(m, answerTurn), 'start_llm')[0]!.messages;
    const first = callerSays(m, 'Okay.', 3300);
    const firstSeq = only(first, 'report_turn')[0]!.turn.seq;
    const second = callerSays(m, 'Thanks.', 3900);
    expect(types(second)).toEqual(['cancel_turn', 'report_turn', 'start_llm']);
    expect(only(second, 'cancel_turn')[0]!.turn).toBe(only(first, 'start_llm')[0]!.turn);
    // The same caller turn, replaced with all of its words.
    expect(only(second, 'report_turn')[0]!.turn).toMatchObject({ seq: firstSeq, text: 'Okay. Thanks.' });
    const request = only(second, 'start_llm')[0]!.messages;
    expectValidRequest(request);
    expect(request).toEqual([...before, { role: 'user', content: 'Okay. Thanks.' }]);
  });
});

describe('tool results are delivered whatever happens to their turn', () => {
  it('a caller who talks while the message is being stored is answered once the result is in', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Please take a message.');
    roundDone(m, answerTurn, '', 2600, [{ id: 'call_1', name: 'take_message', arguments: MESSAGE_ARGS }]);
    // No result yet: the caller's words are recorded, the request waits for the reply.
    const okay = callerSays(m, 'Okay.', 3000);
    expect(types(okay)).toEqual(['cancel_turn', 'report_turn']);
    const result = m.handle({ type: 'action_result', turn: answerTurn, toolCallId: 'call_1', ok: true, message: null });
    expect(types(result)).toEqual(['start_llm']);
    const request = only(result, 'start_llm')[0]!.messages;
    expectValidRequest(request);
    expect(request.slice(-3)).toMatchObject([
      { role: 'assistant', toolCalls: [{ id: 'call_1' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'Done.' },
      { role: 'user', content: 'Okay.' },
    ]);
  });

  it('a caller who barges in on the preface still gets the message stored in the history', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Please take a message.');
    roundDone(m, answerTurn, 'Sure, I will note that down.', 2600, [{ id: 'call_1', name: 'take_message', arguments: MESSAGE_ARGS }]);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2700 });
    const barge = m.handle({ type: 'barge_in', atMs: 3000, onsetMs: 2900, playedText: 'Sure, I will' });
    expect(types(barge)).toEqual(['cancel_turn', 'report_turn']);
    m.handle({ type: 'action_result', turn: answerTurn, toolCallId: 'call_1', ok: true, message: null });
    m.handle({ type: 'caller_speech_end', atMs: 3400 });
    const next = m.handle({ type: 'stt_final', text: 'Also my email.', speechFinal: true, atMs: 3600 });
    const request = only(next, 'start_llm')[0]!.messages;
    expectValidRequest(request);
    expect(request.slice(-3)).toMatchObject([
      { role: 'assistant', content: 'Sure, I will note that down.', toolCalls: [{ id: 'call_1' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'Done.' },
      { role: 'user', content: 'Also my email.' },
    ]);
  });

  it('a short reply after a spoken preface waits for the follow-up and is answered after it', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'Please take a message.');
    roundDone(m, answerTurn, 'Let me note that.', 2600, [{ id: 'call_1', name: 'take_message', arguments: MESSAGE_ARGS }]);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2700 });
    m.handle({ type: 'action_result', turn: answerTurn, toolCallId: 'call_1', ok: true, message: null });
    // Heard the preface; the follow-up is not heard yet.
    expect(callerSays(m, 'Okay.', 3300)).toEqual([]);
    roundDone(m, answerTurn, 'Your message is on its way.', 3500);
    const done = m.handle({ type: 'agent_audio_done', turn: answerTurn, atMs: 5000 });
    expect(types(done)).toEqual(['report_turn', 'report_turn', 'start_llm']);
    const request = only(done, 'start_llm')[0]!.messages;
    expectValidRequest(request);
    expect(request.slice(-4)).toMatchObject([
      { role: 'assistant', content: 'Let me note that.', toolCalls: [{ id: 'call_1' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'Done.' },
      { role: 'assistant', content: 'Your message is on its way.' },
      { role: 'user', content: 'Okay.' },
    ]);
  });
});
