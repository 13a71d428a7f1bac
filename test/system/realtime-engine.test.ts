// A business on the OpenAI Realtime engine, through the real backend, gateway
// and PostgreSQL, the real `openai` SDK's realtime client and the Realtime
// fake speaking the wire protocol on 127.0.0.1: two exchanges, barge-in with
// the answer truncated to what the caller heard, each tool, and a provider
// failure ending in the apology (an error event, or a socket dropped while the
// server stays down: a drop alone is survived, test/media/engines/).
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAiRealtime, type ConnectionRecord } from '../fakes/openai-realtime/index.js';
import { FIRST_UTTERANCE, GREETING, SECOND_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, turnsOf, type AiSystem } from '../support/test-system.js';
import { waitFor } from '../kit/wait.js';

let ai: AiSystem | null = null;
let realtime: FakeOpenAiRealtime | null = null;
afterEach(async () => {
  await ai?.stop();
  await realtime?.close();
  ai = null;
  realtime = null;
});

async function start(options: { transferTarget?: string | null; turnDetection?: 'server' | 'local' } = {}): Promise<{ ai: AiSystem; realtime: FakeOpenAiRealtime }> {
  realtime = await FakeOpenAiRealtime.start({ knobs: { msPerCharacter: 25 } });
  ai = await startAiSystem({ gatewayEnv: { OPENAI_BASE_URL: realtime.baseURL }, transferTarget: options.transferTarget });
  await ai.system.prisma.business.update({
    where: { id: ai.businessId },
    data: { engine: 'openai-realtime', engineSettings: { turnDetection: options.turnDetection ?? 'server' } },
  });
  return { ai, realtime };
}

const clientEvents = (connection: ConnectionRecord, type: string) => connection.clientEvents.filter((event) => event.type === type);

describe('the OpenAI Realtime engine', { timeout: 90_000 }, () => {
  it('greets from the clip cache, answers two exchanges in mu-law, stores turns with latencies and the engine', async () => {
    const { ai, realtime } = await start();
    const { fake } = ai.system;
    realtime.queueReplies({ text: 'Sure, I can help with that. What day works for you?' }, { text: 'Great, you are booked for tomorrow at ten.' });
    realtime.queueTranscripts('I would like to book a cleaning.', 'Tomorrow at ten works.');
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0 && t.text === GREETING, 'the greeting turn');
    await realtime.waitFor(() => realtime.connections.length === 1 && realtime.connections[0]!.session.type === 'realtime', { what: 'the session' });
    const connection = realtime.connections[0]!;
    // The session: mu-law both ways, no resampling; the server's VAD ends turns but we decide the answers.
    expect(connection.model).toBe('gpt-realtime');
    expect(connection.session).toMatchObject({
      audio: {
        input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'server_vad', create_response: false, interrupt_response: false } },
        output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
      },
    });
    expect((connection.session.tools as { name: string }[]).map((tool) => tool.name)).toEqual(['end_call', 'transfer_to_human', 'take_message']);
    // The greeting is in the model's conversation as the assistant's words.
    await realtime.waitFor(() => clientEvents(connection, 'conversation.item.create').some((event) => JSON.stringify(event.event).includes(GREETING)), { what: 'the greeting item' });

    fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 1, 'the first answer');
    expect(answer.text).toBe('Sure, I can help with that. What day works for you?');
    for (const field of ['sttFinalMs', 'llmFirstTokenMs', 'ttsFirstAudioMs', 'voiceToVoiceMs'] as const) expect(answer[field], field).not.toBeNull();
    expect(answer.ttsFirstAudioMs!).toBeLessThanOrEqual(answer.voiceToVoiceMs!);

    fake.startCallerAudio(mediaId, { payload: SECOND_UTTERANCE });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text.startsWith('Great, you are booked'), 'the second answer');
    await waitFor(async () => (await turnsOf(ai, channelId)).filter((t) => t.role === 'caller' && t.text !== '…').length === 2 || null, { what: 'the caller transcripts' });
    const turns = await turnsOf(ai, channelId);
    expect(turns.map((t) => [t.role, t.text])).toEqual([
      ['agent', GREETING],
      ['caller', 'I would like to book a cleaning.'],
      ['agent', 'Sure, I can help with that. What day works for you?'],
      ['caller', 'Tomorrow at ten works.'],
      ['agent', 'Great, you are booked for tomorrow at ten.'],
    ]);
    expect(clientEvents(connection, 'response.create')).toHaveLength(2);
    expect(connection.errors).toEqual([]);
    const row = await ai.system.prisma.callLog.findFirstOrThrow({ where: { channelId } });
    expect(row.engine).toBe('openai-realtime');
  });

  it('barge-in: cancels the answer, clears the playout and truncates the item to the audio the caller heard', async () => {
    const { ai, realtime } = await start();
    const { fake } = ai.system;
    const long = 'Our office is open from eight in the morning until six in the evening on weekdays, and on Saturdays from nine until noon, except on public holidays when we are closed all day.';
    realtime.queueReplies({ text: long }, { text: 'Of course, go ahead.' });
    realtime.setKnobs({ msPerCharacter: 65 });
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    await realtime.waitFor(() => realtime.connections[0]?.responses.length === 1 && realtime.connections[0].responses[0]!.status === 'completed', { what: 'the long answer', timeoutMs: 15_000 });
    const first = realtime.connections[0]!.responses[0]!;
    // The caller speaks while the long answer plays.
    await waitFor(() => fake.rtpHeard(mediaId).filter((p) => p.rms > 300).length > 250 || null, { what: 'part of the answer heard', timeoutMs: 15_000 });
    fake.startCallerAudio(mediaId, { payload: SECOND_UTTERANCE });
    await realtime.waitFor(() => realtime.connections[0]!.truncations.length === 1, { what: 'the truncation', timeoutMs: 15_000 });
    const [truncation] = realtime.connections[0]!.truncations;
    expect(truncation!.itemId).toBe(first.itemId);
    expect(truncation!.audioEndMs).toBeGreaterThan(0);
    expect(truncation!.audioEndMs).toBeLessThan(truncation!.itemAudioMs);
    expect(truncation!.audioEndMs % 20).toBe(0);
    const interrupted = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.interrupted, 'the interrupted answer');
    expect(long.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(long.length);
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Of course, go ahead.', 'the answer after the barge-in');
    expect(realtime.connections[0]!.errors).toEqual([]);
  });

  it('take_message: stores the message, answers the function call and speaks the confirmation', async () => {
    const { ai, realtime } = await start();
    realtime.queueReplies(
      { toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Ann Lee', callback_number: '+1 555 123 4567', reason: 'Test results' } }] },
      { text: 'I have passed your message on.' },
    );
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'I have passed your message on.', 'the confirmation');
    const call = await ai.system.prisma.callLog.findFirstOrThrow({ where: { channelId } });
    const messages = await ai.system.prisma.callMessage.findMany({ where: { callId: call.id } });
    expect(messages).toMatchObject([{ callerName: 'Ann Lee', callbackNumber: '+1 555 123 4567', reason: 'Test results' }]);
    const connection = realtime.connections[0]!;
    const outputs = clientEvents(connection, 'conversation.item.create').filter((event) => (event.event.item as { type: string }).type === 'function_call_output');
    expect(outputs.map((event) => (event.event.item as { output: string }).output)).toEqual(['Done.']);
    expect(connection.errors).toEqual([]);
  });

  it('end_call: says goodbye, then the backend hangs up', async () => {
    const { ai, realtime } = await start();
    realtime.queueReplies({ text: 'Goodbye, have a nice day!', toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }] });
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const row = await waitFor(async () => {
      const call = await ai.system.prisma.callLog.findFirst({ where: { channelId } });
      return call?.status === 'completed' ? call : null;
    }, { what: 'the call ended by the agent', timeoutMs: 15_000 });
    expect(row.hangupCause).toBe('agent_hangup');
    expect((await turnsOf(ai, channelId)).at(-1)).toMatchObject({ role: 'agent', text: 'Goodbye, have a nice day!' });
  });

  it('transfer_to_human: tells the caller, then the caller is transferred', async () => {
    const { ai, realtime } = await start({ transferTarget: 'PJSIP/100' });
    realtime.queueReplies({ text: 'Let me put you through.', toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'asked for a person' } }] });
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const row = await waitFor(async () => {
      const call = await ai.system.prisma.callLog.findFirst({ where: { channelId } });
      return call?.status === 'transferred' ? call : null;
    }, { what: 'the transfer', timeoutMs: 15_000 });
    expect(row).toMatchObject({ transferTarget: 'PJSIP/100', hangupCause: 'transferred' });
  });

  for (const failure of ['socket dropped, server down', 'error event'] as const) {
    it(`a provider failure (${failure}) plays the apology and transfers the caller, naming the failure`, async () => {
      const { ai, realtime } = await start();
      if (failure === 'error event') realtime.failNextResponse({ error: { message: 'The server had an error while processing your request.' } });
      else realtime.failNextResponse({ dropAfterAudioDeltas: 1 });
      const { channelId, mediaId } = await placeBridgedCall(ai);
      await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
      await realtime.waitFor(() => realtime.connections[0]?.session.type === 'realtime', { what: 'the session' });
      // The server goes down for new connections: the socket dropped mid-answer cannot be opened again.
      if (failure !== 'error event') realtime.refuseConnections(503);
      ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
      const row = await waitFor(async () => {
        const call = await ai.system.prisma.callLog.findFirst({ where: { channelId } });
        return call?.status === 'transferred' ? call : null;
      }, { what: 'the call transferred after the failure', timeoutMs: 20_000 });
      expect(row).toMatchObject({ hangupCause: 'transferred', failureProvider: 'llm' });
      expect(row.failure).toMatch(failure === 'error event' ? /^openai llm: realtime error: The server had an error/ : /^openai llm: realtime connection refused with HTTP 503/);
      expect(row.failure).not.toContain(realtime.apiKey);
      const turns = await turnsOf(ai, channelId);
      expect(turns.at(-1)?.role).toBe('agent');
      expect(turns.at(-1)?.text).toMatch(/sorry/i);
    });
  }
});
