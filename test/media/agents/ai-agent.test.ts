// AiAgent driven tick by tick with in-memory providers, backend and playout:
// the greeting, a whole turn (transcript -> LLM -> sentences -> TTS -> playout),
// barge-in, tools and the conversation's timers. Failures and cleanup are in
// ai-agent-failures.test.ts.
import { describe, expect, it } from 'vitest';
import { encodeUlaw } from '../../../media/codec/g711.js';
import { callerSays, callerVoice, harnessPerTest } from '../../support/doubles/ai-agent-harness.js';
import { TEST_CALL_ID } from '../../support/doubles/session-request.js';

const harness = harnessPerTest();

describe('AiAgent: greeting', () => {
  it('greets as soon as the media starts, with the business greeting from the clip cache', async () => {
    const h = harness();
    await h.greet();
    const greeting = h.clipText.greeting;
    expect(greeting).toBe('Thanks for calling Bright Smile Dental. How can I help?');
    expect(h.backend.turns).toEqual([
      {
        callId: TEST_CALL_ID,
        turn: expect.objectContaining({ seq: 0, role: 'agent', text: greeting, interrupted: false, latency: null }),
      },
    ]);
    expect(h.playout.sent).toHaveLength(h.clipFrames(greeting));
    // Every fixed line is prepared at the start of the call; the call's own TTS session speaks none of them.
    const prepared = h.clipTts.sessions.flatMap((session) => session.spoken);
    expect(prepared.sort()).toEqual(Object.values(h.clipText).sort());
    expect(h.ttsSession.spoken).toEqual([]);
    expect(h.ttsSession.voice).toBe('aura-2-thalia-en');
    expect(h.sttStream.options).toMatchObject({ encoding: 'mulaw', sampleRate: 8000, language: 'en-US', endpointingMs: 300, utteranceEndMs: 1_000 });
  });

  it('greets with the business name when the business set no greeting', async () => {
    const h = harness({ agent: { greeting: '  ' } });
    await h.greet();
    expect(h.backend.turnsOf('agent')[0]!.text).toBe('Thank you for calling Bright Smile Dental. How can I help you?');
  });

  it('sends the caller’s audio to speech-to-text as mu-law, as received when it can', async () => {
    const h = harness();
    await h.greet();
    const received = Uint8Array.from({ length: 160 }, (_, i) => i);
    await h.tick(callerVoice(0), received);
    expect(h.sttStream.lastFrame).toEqual(received);
    const pcm = callerVoice(1);
    const encoded = new Uint8Array(160);
    encodeUlaw(pcm, encoded);
    const before = h.sttStream.framesSent;
    await h.tick(pcm);
    expect(h.sttStream.lastFrame).toEqual(encoded);
    expect(h.sttStream.framesSent).toBe(before + 1);
  });
});

describe('AiAgent: a turn', () => {
  it.each([
    ['on the next tick', false],
    ['at once when a talk spurt starts', true],
  ])('answers: transcript -> LLM -> sentences -> TTS -> playout, first audio %s', async (_, sendsSpurtStartAtOnce) => {
    const h = harness({ sendsSpurtStartAtOnce });
    await h.greet();
    const greetingFrames = h.playout.sent.length;
    const round = await callerSays(h, 'I would like to book a cleaning.');

    expect(h.backend.turnsOf('caller')).toEqual([expect.objectContaining({ seq: 1, text: 'I would like to book a cleaning.', interrupted: false })]);
    const { messages, tools } = round.request;
    expect(messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You book dental appointments.') });
    expect(messages.slice(1)).toEqual([
      { role: 'assistant', content: h.clipText.greeting },
      { role: 'user', content: 'I would like to book a cleaning.' },
    ]);
    expect(tools.map((tool) => tool.name)).toEqual(['end_call', 'take_message']);

    // The first sentence goes to TTS (and to the caller) while the LLM is still streaming.
    round.text('Sure thing. ').text('We have an opening on Monday');
    await h.ticksUntil(() => h.playout.sent.length > greetingFrames, 'the first sentence to be heard');
    expect(h.ttsSession.spoken).toEqual(['Sure thing.']);
    round.text(' at nine. Does that work?');
    round.done();
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to be heard');

    const answer = 'Sure thing. We have an opening on Monday at nine. Does that work?';
    expect(h.ttsSession.spoken.join(' ')).toBe(answer);
    const spokenFrames = h.ttsSession.spoken.reduce((sum, text) => sum + h.ttsSession.framesFor(text), 0);
    expect(h.playout.sent).toHaveLength(greetingFrames + spokenFrames);
    const report = h.backend.turnsOf('agent')[1]!;
    expect(report).toMatchObject({ seq: 2, text: answer, interrupted: false });
    const latency = report.latency!;
    expect(latency.sttFinalMs).toBe(0);
    expect(latency.llmFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(latency.ttsFirstAudioMs).toBeGreaterThanOrEqual(latency.llmFirstTokenMs!);
    expect(latency.voiceToVoiceMs).toBeGreaterThanOrEqual(latency.ttsFirstAudioMs!);
    const voiceToVoice = h.metrics.metrics().find((metric) => metric.name === 'agent_turn_voice_to_voice_seconds')!;
    expect(voiceToVoice).toMatchObject({ kind: 'histogram', count: 1 });

    // The next question carries the whole answer in the history.
    const next = await callerSays(h, 'Yes, Monday works.');
    expect(next.request.messages.slice(-2)).toEqual([
      { role: 'assistant', content: answer },
      { role: 'user', content: 'Yes, Monday works.' },
    ]);
  });

  it('barge-in cancels the turn at once and keeps in the history only what the caller heard', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'What do you offer?');
    const sentences = ['We offer cleanings, fillings and whitening.', 'Cleanings take about an hour.', 'Whitening is done in two visits.'];
    round.text(`${sentences[0]} `).text(`${sentences[1]} `).text(`${sentences[2]} `);
    const greetingFrames = h.playout.sent.length;
    await h.ticksUntil(() => h.playout.sent.length >= greetingFrames + 12, 'part of the answer to be heard');

    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the caller to cut in', { caller: callerVoice, maxTicks: 50 });
    const interrupted = h.backend.turnsOf('agent')[1]!;
    const full = sentences.join(' ');
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.text).not.toBe('');
    expect(full.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(full.length);
    // LLM, TTS and playout stopped at once. The vendor had sent all it was asked for (the first
    // sentence alone, the next two batched), so there was nothing left to clear there.
    expect(round.aborted).toBe(true);
    expect(h.ttsSession.spoken).toEqual([sentences[0], `${sentences[1]} ${sentences[2]}`]);
    expect(h.playout.clears).toBeGreaterThan(0);
    expect(h.playout.queuedFrames).toBe(0);
    const sentAtBargeIn = h.playout.sent.length;
    for (let i = 0; i < 20; i += 1) await h.tick(callerVoice(h.ticks));
    expect(h.playout.sent).toHaveLength(sentAtBargeIn);

    const next = await callerSays(h, 'Just the prices, please.');
    const history = next.request.messages.slice(1);
    expect(history.slice(-2)).toEqual([
      { role: 'assistant', content: interrupted.text },
      { role: 'user', content: 'Just the prices, please.' },
    ]);
    expect(JSON.stringify(history)).not.toContain(sentences[2]);
  });
});

describe('AiAgent: tools', () => {
  it('hands a message to the backend on take_message and tells the LLM the result', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'Please ask the dentist to call me back.');
    round.toolCall('call_1', 'take_message', { caller_name: 'Dana', callback_number: '555 123 4567', reason: 'Reschedule' }).done('tool_calls');
    await h.ticksUntil(() => h.llm.rounds.length === 2, 'the LLM to get the tool result');
    expect(h.backend.actions).toEqual([
      { callId: TEST_CALL_ID, action: { type: 'take_message', callerName: 'Dana', callbackNumber: '555 123 4567', reason: 'Reschedule' } },
    ]);
    expect(h.llm.rounds[1]!.request.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_1', name: 'take_message', arguments: JSON.stringify({ caller_name: 'Dana', callback_number: '555 123 4567', reason: 'Reschedule' }) }],
      },
      { role: 'tool', toolCallId: 'call_1', content: 'Done.' },
    ]);
    h.llm.rounds[1]!.reply('I have passed your message on.');
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the confirmation to be heard');
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: 'I have passed your message on.', interrupted: false });
  });

  it('tells the LLM when the backend could not take the message', async () => {
    const h = harness();
    h.backend.answer = () => ({ ok: false, message: 'The message could not be saved.' });
    await h.greet();
    const round = await callerSays(h, 'Take a message.');
    round.toolCall('call_9', 'take_message', { caller_name: 'Dana', callback_number: '5551234567', reason: 'Billing' }).done('tool_calls');
    await h.ticksUntil(() => h.llm.rounds.length === 2, 'the LLM to get the tool result');
    expect(h.llm.rounds[1]!.request.messages.at(-1)).toEqual({ role: 'tool', toolCallId: 'call_9', content: 'Failed: The message could not be saved.' });
  });

  it('hangs up on end_call only once the goodbye was heard, and then stops listening', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'That is all, thanks.');
    round.text('Goodbye, have a great day!').toolCall('call_2', 'end_call', { reason: 'done' }).done('tool_calls');
    await h.ticksUntil(() => h.backend.actions.length === 1, 'the hang-up');
    expect(h.backend.actions[0]!.action).toEqual({ type: 'hangup', reason: 'agent_goodbye' });
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: 'Goodbye, have a great day!', interrupted: false });
    expect(h.playout.queuedFrames).toBe(0);
    h.sttStream.final('Oh, one more thing.', h.nowMs);
    for (let i = 0; i < 10; i += 1) await h.tick();
    expect(h.llm.rounds).toHaveLength(1);
  });

  it('says the cached goodbye when the LLM ends the call without a word', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'Bye.');
    round.toolCall('call_3', 'end_call', {}).done('tool_calls');
    await h.ticksUntil(() => h.backend.actions.length === 1, 'the hang-up');
    expect(h.backend.turnsOf('agent')[1]!.text).toBe(h.clipText.goodbye);
    expect(h.playout.sent.length).toBeGreaterThanOrEqual(h.clipFrames(h.clipText.greeting) + h.clipFrames(h.clipText.goodbye));
  });

  it('offers the transfer when the business has a target, and transfers once the words were heard', async () => {
    const h = harness({ agent: { transferTarget: 'PJSIP/front-desk' } });
    await h.greet();
    const round = await callerSays(h, 'Can I talk to a person?');
    expect(round.request.tools.map((tool) => tool.name)).toEqual(['end_call', 'transfer_to_human', 'take_message']);
    round.text('Let me transfer you.').toolCall('call_4', 'transfer_to_human', { reason: 'wants a person' }).done('tool_calls');
    await h.ticksUntil(() => h.backend.actions.length === 1, 'the transfer');
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'transfer', reason: 'wants a person' }]);
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: 'Let me transfer you.', interrupted: false });
    expect(h.playout.queuedFrames).toBe(0);
    // The call is over here: what the caller says next is not answered.
    h.sttStream.final('Hello?', h.nowMs);
    for (let i = 0; i < 10; i += 1) await h.tick();
    expect(h.llm.rounds).toHaveLength(1);
  });

  it('tells the LLM when the transfer is refused, and the call goes on', async () => {
    const h = harness({ agent: { transferTarget: 'PJSIP/front-desk' } });
    h.backend.answer = (action) => (action.type === 'transfer' ? { ok: false, message: 'busy' } : { ok: true, message: null });
    await h.greet();
    const round = await callerSays(h, 'Can I talk to a person?');
    round.text('Let me transfer you.').toolCall('call_4', 'transfer_to_human', { reason: 'wants a person' }).done('tool_calls');
    await h.ticksUntil(() => h.llm.rounds.length === 2, 'the LLM to hear how the transfer went');
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'transfer', reason: 'wants a person' }]);
    expect(h.llm.rounds[1]!.request.messages.slice(-3)).toEqual([
      { role: 'user', content: 'Can I talk to a person?' },
      {
        role: 'assistant',
        content: 'Let me transfer you.',
        toolCalls: [{ id: 'call_4', name: 'transfer_to_human', arguments: JSON.stringify({ reason: 'wants a person' }) }],
      },
      { role: 'tool', toolCallId: 'call_4', content: 'Failed: busy' },
    ]);
    h.llm.rounds[1]!.reply('Sorry, nobody can take the call right now. Can I take a message?');
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 3, 'the news to be heard');
    expect(h.backend.turnsOf('agent')[2]).toMatchObject({ text: 'Sorry, nobody can take the call right now. Can I take a message?', interrupted: false });
    // Nothing ends the call: the caller's next words are answered.
    const next = await callerSays(h, 'Yes, please.');
    expect(next.request.messages.at(-1)).toEqual({ role: 'user', content: 'Yes, please.' });
    expect(h.backend.actions).toHaveLength(1);
    expect(h.backend.failures).toEqual([]);
  });
});

describe('AiAgent: timers', () => {
  it('plays a short filler while an answer takes long, and keeps it out of the answer', async () => {
    const h = harness({ timings: { fillerAfterMs: 400 } });
    await h.greet();
    const round = await callerSays(h, 'Do you take my insurance?');
    const before = h.playout.sent.length;
    await h.ticksUntil(() => h.playout.sent.length >= before + h.clipFrames(h.clipText.filler), 'the filler to be heard');
    round.reply('Yes, we take most plans.');
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to be heard');
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: 'Yes, we take most plans.', interrupted: false });
  });

  it('asks whether the caller is still there, then says goodbye and hangs up for silence', async () => {
    const h = harness({ timings: { silenceRepromptMs: 1_000, maxReprompts: 1 } });
    await h.greet();
    await h.ticksUntil(() => h.backend.actions.length === 1, 'the call to end for silence', { maxTicks: 400 });
    expect(h.backend.turnsOf('agent').map((turn) => turn.text)).toEqual([h.clipText.greeting, h.clipText.reprompt, h.clipText.goodbye]);
    expect(h.backend.actions[0]!.action).toEqual({ type: 'hangup', reason: 'caller_silence' });
    expect(h.llm.rounds).toHaveLength(0);
  });
});
