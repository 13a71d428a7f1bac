import { describe, expect, it } from 'vitest';
import { CLIPS, expectValidRequest, greetedAndAsked, machine, only, roundDone, types } from './machine-fixtures.js';

describe('ConversationMachine', () => {
  it('greets at start and records the greeting as the first agent turn', () => {
    const m = machine();
    const effects = m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
    expect(effects).toEqual([{ type: 'play_clip', turn: 0, clip: 'greeting' }]);
    m.handle({ type: 'agent_audio_sent', turn: 0, atMs: 25 });
    const done = m.handle({ type: 'agent_audio_done', turn: 0, atMs: 900 });
    expect(only(done, 'report_turn')[0]!.turn).toMatchObject({ seq: 0, role: 'agent', text: CLIPS.greeting, interrupted: false, latency: null });
    expect(m.history).toEqual([{ role: 'assistant', content: CLIPS.greeting }]);
  });

  it('answers a caller turn with the conversation so far and records both turns with latencies', () => {
    const m = machine();
    const { asked, answerTurn } = greetedAndAsked(m);
    const caller = only(asked, 'report_turn')[0]!.turn;
    expect(caller).toMatchObject({ seq: 1, role: 'caller', text: 'I would like an appointment.', interrupted: false });
    expect(caller.startedAt).toBe('2026-01-01T10:00:01.000Z');
    expect(caller.endedAt).toBe('2026-01-01T10:00:02.000Z');
    const llm = only(asked, 'start_llm')[0]!;
    expect(llm.messages).toEqual([
      { role: 'system', content: 'You answer the phone for Acme Dental.' },
      { role: 'assistant', content: CLIPS.greeting },
      { role: 'user', content: 'I would like an appointment.' },
    ]);

    m.handle({ type: 'llm_first_token', turn: answerTurn, atMs: 2500 });
    expect(types(roundDone(m, answerTurn, 'Sure, what day suits you?', 2600))).toEqual(['finish_speech']);
    m.handle({ type: 'tts_first_audio', turn: answerTurn, atMs: 2700 });
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2720 });
    const done = m.handle({ type: 'agent_audio_done', turn: answerTurn, atMs: 4000 });
    const agent = only(done, 'report_turn')[0]!.turn;
    expect(agent).toMatchObject({
      seq: answerTurn,
      role: 'agent',
      text: 'Sure, what day suits you?',
      latency: { sttFinalMs: 300, llmFirstTokenMs: 500, ttsFirstAudioMs: 700, voiceToVoiceMs: 720 },
    });
    expect(m.history.at(-1)).toEqual({ role: 'assistant', content: 'Sure, what day suits you?' });
  });

  it('keeps only what was played when the caller barges in, and cancels the turn', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m);
    roundDone(m, answerTurn, 'We are open Monday to Friday. On Saturdays we open at nine.', 2600);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2720 });
    const effects = m.handle({ type: 'barge_in', atMs: 3500, onsetMs: 3300, playedText: 'We are open Monday' });
    expect(types(effects)).toEqual(['cancel_turn', 'report_turn']);
    expect(only(effects, 'report_turn')[0]!.turn).toMatchObject({ text: 'We are open Monday', interrupted: true });
    expect(m.history.at(-1)).toEqual({ role: 'assistant', content: 'We are open Monday' });
    // The interruption becomes the next caller turn.
    m.handle({ type: 'caller_speech_end', atMs: 4200 });
    const next = m.handle({ type: 'stt_final', text: 'What about Sunday?', speechFinal: true, atMs: 4400 });
    expect(only(next, 'report_turn')[0]!.turn).toMatchObject({ role: 'caller', text: 'What about Sunday?' });
    expect(only(next, 'report_turn')[0]!.turn.startedAt).toBe('2026-01-01T10:00:03.300Z');
    expect(types(next)).toContain('start_llm');
  });

  it('waits for the VAD to hear silence before answering a transcript that came mid-speech', () => {
    const m = machine();
    m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
    m.handle({ type: 'agent_audio_done', turn: 0, atMs: 900 });
    m.handle({ type: 'caller_speech_start', atMs: 1000 });
    // The STT took a pause for the end at 2300 while the caller is still talking.
    expect(m.handle({ type: 'stt_final', text: 'Tomorrow', speechFinal: true, atMs: 2300 })).toEqual([]);
    m.handle({ type: 'stt_final', text: 'at ten works.', speechFinal: true, atMs: 3100 });
    const answered = m.handle({ type: 'caller_speech_end', atMs: 2900 });
    expect(types(answered)).toEqual(['report_turn', 'start_llm']);
    expect(only(answered, 'report_turn')[0]!.turn).toMatchObject({ text: 'Tomorrow at ten works.', endedAt: '2026-01-01T10:00:02.900Z' });
    const turn = only(answered, 'start_llm')[0]!.turn;
    m.handle({ type: 'llm_first_token', turn, atMs: 3300 });
    roundDone(m, turn, 'Booked.', 3300);
    m.handle({ type: 'agent_audio_sent', turn, atMs: 3400 });
    const done = m.handle({ type: 'agent_audio_done', turn, atMs: 3800 });
    // Measured from the VAD's end of speech (2900); the transcript that ended the turn came at 2300.
    expect(only(done, 'report_turn')[0]!.turn.latency).toMatchObject({ llmFirstTokenMs: 400, voiceToVoiceMs: 500 });
  });

  it('answers anyway when the VAD never hears silence (background noise)', () => {
    const m = machine();
    m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
    m.handle({ type: 'agent_audio_done', turn: 0, atMs: 900 });
    m.handle({ type: 'caller_speech_start', atMs: 1000 });
    m.handle({ type: 'stt_final', text: 'Hello?', speechFinal: true, atMs: 2300 });
    expect(m.handle({ type: 'tick', agentAudible: false, atMs: 3700 })).toEqual([]);
    expect(types(m.handle({ type: 'tick', agentAudible: false, atMs: 3800 }))).toEqual(['report_turn', 'start_llm']);
  });

  it('merges a caller who keeps talking before the answer is heard into one turn', () => {
    const m = machine();
    greetedAndAsked(m, 'I need an appointment');
    m.handle({ type: 'caller_speech_start', atMs: 2500 });
    m.handle({ type: 'caller_speech_end', atMs: 3000 });
    const more = m.handle({ type: 'stt_final', text: 'for tomorrow morning.', speechFinal: true, atMs: 3200 });
    expect(types(more)).toEqual(['cancel_turn', 'report_turn', 'start_llm']);
    expect(only(more, 'report_turn')[0]!.turn).toMatchObject({ seq: 1, text: 'I need an appointment for tomorrow morning.' });
    expect(only(more, 'start_llm')[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'I need an appointment for tomorrow morning.' });
    expect(m.history.filter((x) => x.role === 'user')).toHaveLength(1);
  });

  it('holds what the caller says while the agent is audible and answers it afterwards', () => {
    const m = machine();
    const { answerTurn } = greetedAndAsked(m);
    roundDone(m, answerTurn, 'Sure.', 2600);
    m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2700 });
    expect(m.handle({ type: 'stt_final', text: 'uh huh', speechFinal: true, atMs: 2800 })).toEqual([]);
    const done = m.handle({ type: 'agent_audio_done', turn: answerTurn, atMs: 3000 });
    expect(types(done)).toEqual(['report_turn', 'report_turn', 'start_llm']);
    expect(only(done, 'report_turn')[1]!.turn).toMatchObject({ role: 'caller', text: 'uh huh' });
  });

  describe('tools', () => {
    it('end_call: says goodbye, then asks the backend to hang up', () => {
      const m = machine();
      const { answerTurn } = greetedAndAsked(m, 'That is all, bye.');
      const done = roundDone(m, answerTurn, 'Goodbye!', 2600, [{ id: 'call_1', name: 'end_call', arguments: {} }]);
      expect(types(done)).toEqual(['finish_speech']);
      const heard = m.handle({ type: 'agent_audio_done', turn: answerTurn, atMs: 3500 });
      expect(only(heard, 'action')[0]!.action).toEqual({ type: 'hangup', reason: 'agent_goodbye' });
      expect(types(heard)).toContain('stop');
      expect(m.stopped).toBe(true);
    });

    it('end_call without words plays the cached goodbye', () => {
      const m = machine();
      const { answerTurn } = greetedAndAsked(m);
      const effects = roundDone(m, answerTurn, '', 2600, [{ id: 'call_1', name: 'end_call', arguments: {} }]);
      expect(effects).toEqual([
        { type: 'play_clip', turn: answerTurn, clip: 'goodbye' },
        { type: 'finish_speech', turn: answerTurn },
      ]);
    });

    it('transfer_to_human: transfers after the notice when the business has a target', () => {
      const m = machine();
      const { answerTurn } = greetedAndAsked(m, 'Can I talk to someone?');
      roundDone(m, answerTurn, 'Of course, transferring you now.', 2600, [
        { id: 'call_1', name: 'transfer_to_human', arguments: { reason: 'asked for a person' } },
      ]);
      const done = m.handle({ type: 'agent_audio_done', turn: answerTurn, atMs: 3500 });
      expect(only(done, 'action')).toEqual([
        { type: 'action', turn: -1, toolCallId: 'call_1', action: { type: 'transfer', reason: 'asked for a person' } },
      ]);
      // The call ends only once the transfer went through; its outcome is the tool's reply.
      expect(m.stopped).toBe(false);
      const result = m.handle({ type: 'action_result', turn: -1, toolCallId: 'call_1', ok: true, message: null });
      expect(types(result)).toEqual(['stop']);
      expect(m.history.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'call_1' });
      expectValidRequest(m.history);
    });

    it('transfer_to_human without a target: the LLM is told and answers again', () => {
      const m = machine({ canTransfer: false });
      const { answerTurn } = greetedAndAsked(m, 'Can I talk to someone?');
      const effects = roundDone(m, answerTurn, '', 2600, [{ id: 'call_1', name: 'transfer_to_human', arguments: {} }]);
      expect(types(effects)).toEqual(['start_llm']);
      expect(only(effects, 'start_llm')[0]!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'call_1' });
    });

    it('take_message: stores the message through the backend, then confirms', () => {
      const m = machine();
      const { answerTurn } = greetedAndAsked(m, 'Please tell Dr. Smith to call me.');
      const effects = roundDone(m, answerTurn, '', 2600, [
        {
          id: 'call_9',
          name: 'take_message',
          arguments: { caller_name: 'Ann Lee', callback_number: '555 123 4567', reason: 'Call about results' },
        },
      ]);
      expect(effects).toEqual([
        {
          type: 'action',
          turn: answerTurn,
          toolCallId: 'call_9',
          action: { type: 'take_message', callerName: 'Ann Lee', callbackNumber: '555 123 4567', reason: 'Call about results' },
        },
      ]);
      const after = m.handle({ type: 'action_result', turn: answerTurn, toolCallId: 'call_9', ok: true, message: null });
      expect(types(after)).toEqual(['start_llm']);
      const messages = only(after, 'start_llm')[0]!.messages;
      expect(messages.at(-2)).toMatchObject({ role: 'assistant', content: null, toolCalls: [{ id: 'call_9', name: 'take_message' }] });
      expect(messages.at(-1)).toEqual({ role: 'tool', toolCallId: 'call_9', content: 'Done.' });
    });
  });

  describe('silence and limits', () => {
    it('reprompts after the configured silence, then says goodbye and hangs up', () => {
      const m = machine({ silenceRepromptMs: 5000, maxReprompts: 1 });
      m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
      m.handle({ type: 'agent_audio_done', turn: 0, atMs: 1000 });
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 5900 })).toEqual([]);
      const reprompt = m.handle({ type: 'tick', agentAudible: false, atMs: 6000 });
      expect(reprompt).toEqual([{ type: 'play_clip', turn: 1, clip: 'reprompt' }]);
      m.handle({ type: 'agent_audio_done', turn: 1, atMs: 7000 });
      const goodbye = m.handle({ type: 'tick', agentAudible: false, atMs: 12_000 });
      expect(goodbye).toEqual([{ type: 'play_clip', turn: 2, clip: 'goodbye' }]);
      const done = m.handle({ type: 'agent_audio_done', turn: 2, atMs: 13_000 });
      expect(only(done, 'action')[0]!.action).toEqual({ type: 'hangup', reason: 'caller_silence' });
    });

    it('does not reprompt while the caller is speaking', () => {
      const m = machine({ silenceRepromptMs: 5000 });
      m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
      m.handle({ type: 'agent_audio_done', turn: 0, atMs: 1000 });
      m.handle({ type: 'caller_speech_start', atMs: 2000 });
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 9000 })).toEqual([]);
    });

    it('ends the call politely at the maximum length', () => {
      const m = machine({ maxCallMs: 60_000 });
      const { answerTurn } = greetedAndAsked(m);
      const effects = m.handle({ type: 'tick', agentAudible: false, atMs: 60_000 });
      expect(effects).toEqual([
        { type: 'cancel_turn', turn: answerTurn },
        { type: 'play_clip', turn: answerTurn + 1, clip: 'goodbye' },
      ]);
      const done = m.handle({ type: 'agent_audio_done', turn: answerTurn + 1, atMs: 61_000 });
      expect(only(done, 'action')[0]!.action).toEqual({ type: 'hangup', reason: 'max_duration' });
    });

    it('fills dead air while an answer is slow: again after each quiet stretch, never while audible', () => {
      const m = machine({ fillerAfterMs: 1500 });
      const { answerTurn } = greetedAndAsked(m);
      // The caller stopped at 2000 ms.
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 3400 })).toEqual([]);
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 3500 })).toEqual([{ type: 'play_clip', turn: answerTurn, clip: 'filler' }]);
      expect(m.handle({ type: 'tick', agentAudible: true, atMs: 4000 })).toEqual([]);
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 5400 })).toEqual([]);
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 5500 })).toEqual([{ type: 'play_clip', turn: answerTurn, clip: 'filler_more' }]);
      // Once the answer is heard, no more fillers.
      m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 5600 });
      expect(m.handle({ type: 'tick', agentAudible: false, atMs: 9000 })).toEqual([]);
    });
  });

  describe('provider failures', () => {
    it('apologizes and transfers when the business has a target', () => {
      const m = machine();
      const { answerTurn } = greetedAndAsked(m);
      const effects = m.handle({ type: 'provider_error', provider: 'llm', error: 'openai llm: 500', atMs: 2500, playedText: '' });
      expect(effects).toEqual([
        { type: 'report_failure', provider: 'llm', error: 'openai llm: 500' },
        { type: 'cancel_turn', turn: answerTurn },
        { type: 'play_clip', turn: answerTurn + 1, clip: 'apology' },
      ]);
      const done = m.handle({ type: 'agent_audio_done', turn: answerTurn + 1, atMs: 4000 });
      expect(only(done, 'action')[0]!.action).toEqual({ type: 'transfer', reason: 'llm failure' });
    });

    it('apologizes and hangs up without a target, even if the caller talks over the apology', () => {
      const m = machine({ canTransfer: false });
      greetedAndAsked(m);
      const effects = m.handle({ type: 'provider_error', provider: 'stt', error: 'socket closed', atMs: 2500, playedText: '' });
      const apology = only(effects, 'play_clip')[0]!;
      const interrupted = m.handle({ type: 'barge_in', atMs: 3000, onsetMs: 2900, playedText: 'Sorry' });
      expect(only(interrupted, 'action')[0]!.action).toEqual({ type: 'hangup', reason: 'provider_failure' });
      expect(apology.clip).toBe('apology');
      expect(m.stopped).toBe(true);
    });

    it('keeps what the caller heard of an answer a failure cut off', () => {
      const m = machine();
      const { answerTurn } = greetedAndAsked(m);
      roundDone(m, answerTurn, 'We open at eight. We close at six.', 2600);
      m.handle({ type: 'agent_audio_sent', turn: answerTurn, atMs: 2700 });
      const effects = m.handle({ type: 'provider_error', provider: 'tts', error: 'socket closed', atMs: 3000, playedText: 'We open at eight.' });
      expect(types(effects)).toEqual(['report_failure', 'cancel_turn', 'report_turn', 'play_clip']);
      expect(only(effects, 'report_turn')[0]!.turn).toMatchObject({ seq: answerTurn, text: 'We open at eight.', interrupted: true });
    });

    it('reports every failure but apologizes only once', () => {
      const m = machine();
      greetedAndAsked(m);
      m.handle({ type: 'provider_error', provider: 'llm', error: 'a', atMs: 2500, playedText: '' });
      expect(m.handle({ type: 'provider_error', provider: 'tts', error: 'b', atMs: 2600, playedText: '' })).toEqual([
        { type: 'report_failure', provider: 'tts', error: 'b' },
      ]);
    });
  });
});
