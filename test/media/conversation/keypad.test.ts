import { describe, expect, it } from 'vitest';
import { KeypadInput, keypadWords } from '../../../media/conversation/keypad-input.js';
import { expectValidRequest, greetedAndAsked, machine, only, roundDone, types } from './machine-fixtures.js';

describe('KeypadInput', () => {
  it("ends a sequence with '#' or after the gap, and never returns an empty one", () => {
    const keys = new KeypadInput(2000);
    expect(keys.press('1', 0)).toBeNull();
    expect(keys.press('2', 500)).toBeNull();
    expect(keys.press('#', 900)).toBe('12');
    expect(keys.idle).toBe(true);
    expect(keys.press('#', 1000)).toBeNull();
    keys.press('*', 3000);
    keys.press('9', 3500);
    expect(keys.expire(5499)).toBeNull();
    expect(keys.expire(5500)).toBe('*9');
    expect(keys.expire(9000)).toBeNull();
  });

  it('reads keys as words for the model', () => {
    expect(keypadWords('1234')).toBe('The caller pressed 1 2 3 4 on the keypad.');
  });
});

describe('ConversationMachine: keys', () => {
  it('in silence: the sequence becomes a caller turn the model answers, with the keys on the record', () => {
    const m = machine();
    m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
    m.handle({ type: 'agent_audio_sent', turn: 0, atMs: 20 });
    m.handle({ type: 'agent_audio_done', turn: 0, atMs: 900 });
    expect(m.handle({ type: 'dtmf', digit: '4', atMs: 1000, playedText: '' })).toEqual([]);
    expect(m.handle({ type: 'dtmf', digit: '2', atMs: 1300, playedText: '' })).toEqual([]);
    expect(m.handle({ type: 'tick', atMs: 3200, agentAudible: false })).toEqual([]);
    const effects = m.handle({ type: 'tick', atMs: 3300, agentAudible: false });
    expect(types(effects)).toEqual(['report_turn', 'start_llm']);
    expect(only(effects, 'report_turn')[0]!.turn).toMatchObject({ role: 'caller', text: 'The caller pressed 4 2 on the keypad.', dtmf: '42' });
    const request = only(effects, 'start_llm')[0]!.messages;
    expect(request.at(-1)).toEqual({ role: 'user', content: 'The caller pressed 4 2 on the keypad.' });
    expectValidRequest(request);
  });

  it("during speech: the key interrupts the agent, '#' sends the entry at once", () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m, 'What is my balance?');
    roundDone(m, answerTurn, 'Please enter your account number, then press hash.', 2600);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2700 });
    const pressed = m.handle({ type: 'dtmf', digit: '7', atMs: 3000, playedText: 'Please enter your account number,' });
    expect(types(pressed)).toEqual(['cancel_turn', 'report_turn']);
    expect(only(pressed, 'report_turn')[0]!.turn).toMatchObject({ role: 'agent', interrupted: true, text: 'Please enter your account number,' });
    m.handle({ type: 'dtmf', digit: '7', atMs: 3200, playedText: '' });
    const sent = m.handle({ type: 'dtmf', digit: '#', atMs: 3400, playedText: '' });
    expect(types(sent)).toEqual(['report_turn', 'start_llm']);
    expect(only(sent, 'report_turn')[0]!.turn).toMatchObject({ text: 'The caller pressed 7 7 on the keypad.', dtmf: '77' });
    expectValidRequest(only(sent, 'start_llm')[0]!.messages);
  });

  it('a mapped key transfers without the model, told to it as a tool call with its outcome', () => {
    const m = machine({ keypadActions: { '0': 'transfer' } });
    const { answerTurn } = greetedAndAsked(m);
    const pressed = m.handle({ type: 'dtmf', digit: '0', atMs: 2400, playedText: '' });
    expect(types(pressed)).toEqual(['cancel_turn', 'report_turn', 'play_clip', 'finish_speech']);
    expect(only(pressed, 'cancel_turn')[0]!.turn).toBe(answerTurn);
    expect(only(pressed, 'report_turn')[0]!.turn).toMatchObject({ role: 'caller', dtmf: '0' });
    const notice = only(pressed, 'play_clip')[0]!;
    expect(notice.clip).toBe('transfer_notice');
    m.handle({ type: 'agent_audio_sent', turn: notice.turn, atMs: 2500 });
    const done = m.handle({ type: 'agent_audio_done', turn: notice.turn, atMs: 4000 });
    const transfer = only(done, 'action')[0]!;
    expect(transfer.action).toEqual({ type: 'transfer', reason: 'the caller pressed 0' });
    expect(transfer.toolCallId).not.toBeNull();
    // Refused: the model hears why and answers the caller.
    const refused = m.handle({ type: 'action_result', turn: -1, toolCallId: transfer.toolCallId!, ok: false, message: 'Nobody answered.' });
    expect(types(refused)).toEqual(['start_llm']);
    const request = only(refused, 'start_llm')[0]!.messages;
    expect(request.slice(-3)).toMatchObject([
      { role: 'user', content: 'The caller pressed 0 on the keypad.' },
      { role: 'assistant', toolCalls: [{ name: 'transfer_to_human' }] },
      { role: 'tool', content: 'Failed: Nobody answered.' },
    ]);
    expectValidRequest(request);
  });

  it('a mapped key with no one to transfer to is answered by the model', () => {
    const m = machine({ canTransfer: false, keypadActions: { '0': 'transfer' } });
    greetedAndAsked(m);
    const pressed = m.handle({ type: 'dtmf', digit: '0', atMs: 2400, playedText: '' });
    expect(types(pressed)).toEqual(['cancel_turn', 'report_turn', 'start_llm']);
    expectValidRequest(only(pressed, 'start_llm')[0]!.messages);
  });

  it('keys do not undo a goodbye under way', () => {
    const m = machine({ keypadActions: { '0': 'transfer' } });
    const { answerTurn } = greetedAndAsked(m, 'That is all.');
    roundDone(m, answerTurn, 'Goodbye!', 2600, [{ id: 'call_1', name: 'end_call', arguments: {} }]);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2700 });
    expect(m.handle({ type: 'dtmf', digit: '0', atMs: 2800, playedText: 'Goodbye!' })).toEqual([]);
    const done = m.handle({ type: 'agent_audio_done', turn: answerTurn, atMs: 3200 });
    expect(only(done, 'action')[0]!.action).toEqual({ type: 'hangup', reason: 'agent_goodbye' });
  });
});
