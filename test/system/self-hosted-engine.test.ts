// The self-hosted engine end to end: the real backend and gateway, the
// business's engine self-hosted (and the gateway's AI_DEFAULT_ENGINE too), and
// the OpenAI fake playing the operator's three servers: transcriptions of the
// utterances our VAD cuts, chat completions with tools, and speech.
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_UTTERANCE, GREETING, SECOND_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, turnsOf, type AiSystem } from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';

const SELF_HOSTED = { AI_DEFAULT_ENGINE: 'self-hosted' };
const VOICED_RMS = 300;

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

async function start(options: { transferTarget?: string | null; vadMode?: 'energy' | 'silero' } = {}): Promise<AiSystem> {
  const vadMode = options.vadMode ?? 'energy';
  const system = await startAiSystem({ gatewayEnv: { ...SELF_HOSTED, AI_DEFAULT_VAD_MODE: vadMode }, transferTarget: options.transferTarget });
  // The backend sends the business's engine and detector with each session (the gateway's defaults stand for older backends).
  await system.system.prisma.business.update({ where: { id: system.businessId }, data: { engine: 'self-hosted', vadMode } });
  // Short synthetic speech keeps calls brief (the audio is still real-time RTP).
  system.openai.setSpeechKnobs({ msPerCharacter: 25 });
  return system;
}

async function callerSays(system: AiSystem, text: string, payload = FIRST_UTTERANCE): Promise<{ channelId: string; mediaId: string }> {
  const call = await placeBridgedCall(system);
  await turnWhere(system, call.channelId, (t) => t.seq === 0, 'the greeting turn');
  system.openai.queueTranscriptions(text);
  system.system.fake.startCallerAudio(call.mediaId, { payload });
  return call;
}

function finalRow(system: AiSystem, channelId: string) {
  return waitFor(async () => {
    const row = await system.system.prisma.callLog.findUnique({ where: { channelId } });
    return row && !['ringing', 'answered'].includes(row.status) ? row : null;
  }, { what: 'the final call row', timeoutMs: 20_000 });
}

function noViolations(system: AiSystem): void {
  expect(system.openai.violations).toEqual([]);
  expect(system.system.fake.violations).toEqual([]);
  // Nothing went to the cascade's speech services.
  expect(system.deepgram.connections()).toEqual([]);
}

describe('the self-hosted engine', () => {
  it.each(['energy', 'silero'] as const)('answers two exchanges (%s VAD): utterances as WAV to the transcription server, turns with latencies', async (vadMode) => {
    ai = await start({ vadMode });
    ai.openai.respond((request) =>
      request.lastUserText?.includes('cleaning') ? { text: 'Sure, what day works for you?' } : { text: 'You are booked for tomorrow at ten.' },
    );
    // Whatever piece of the caller's speech the VAD cuts, the server hears the line being said.
    let line = 'I would like to book a cleaning.';
    ai.openai.transcribe(() => line);
    const { channelId, mediaId } = await placeBridgedCall(ai);
    const greeting = await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting');
    expect(greeting.text).toBe(GREETING);
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    // Silero may hear a pause inside the sentence and cut it in two: the second
    // piece then joins the caller's turn, so the answer is found by its words.
    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Sure, what day works for you?' && !t.interrupted, 'the first answer');
    for (const field of ['sttFinalMs', 'llmFirstTokenMs', 'ttsFirstAudioMs', 'voiceToVoiceMs'] as const) expect(answer[field], field).not.toBeNull();
    expect(answer.llmFirstTokenMs!).toBeLessThanOrEqual(answer.voiceToVoiceMs!);

    line = 'Tomorrow at ten works.';
    ai.system.fake.startCallerAudio(mediaId, { payload: SECOND_UTTERANCE });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'You are booked for tomorrow at ten.', 'the second answer');
    const spoken = (await turnsOf(ai, channelId)).filter((t) => t.text !== '' && !t.interrupted);
    expect(spoken.filter((t) => t.role === 'agent').map((t) => t.text)).toEqual([GREETING, 'Sure, what day works for you?', 'You are booked for tomorrow at ten.']);
    const callerTurns = spoken.filter((t) => t.role === 'caller').map((t) => t.text);
    // Energy hears each sentence whole (two caller turns); Silero may store the first one's pieces apart.
    if (vadMode === 'energy') expect(callerTurns).toHaveLength(2);
    expect(callerTurns[0]).toContain('I would like to book a cleaning.');
    expect(callerTurns.at(-1)).toBe('Tomorrow at ten works.');

    // Each utterance went as an 8 kHz WAV of about its own length, with the model, the language and json.
    const transcriptions = ai.openai.transcriptionRequests().filter((r) => r.status === 200);
    expect(transcriptions.length).toBeGreaterThanOrEqual(2);
    for (const request of transcriptions) {
      expect(request.body).toMatchObject({ model: 'Systran/faster-whisper-small', language: 'en', responseFormat: 'json', sampleRate: 8000 });
      expect((request.body as { durationMs: number }).durationMs).toBeGreaterThan(500);
    }
    const chat = ai.openai.chatRequests()[0]!.body as { model: string };
    expect(chat.model).toBe('llama3.2:3b');
    const speech = ai.openai.speechRequests()[0]!.body as { model: string; voice: string; response_format: string };
    expect(speech).toMatchObject({ model: 'kokoro', voice: 'af_heart', response_format: 'pcm' });
    const call = await ai.system.prisma.callLog.findUniqueOrThrow({ where: { channelId } });
    expect(call.status).toBe('answered');
    noViolations(ai);
  }, 60_000);

  it('stops talking when the caller barges in mid-answer and keeps only what was heard', async () => {
    ai = await start();
    const longAnswer =
      'We are open Monday to Friday from eight in the morning until six in the evening. ' +
      'On Saturdays we open at nine and close at one. We are closed on Sundays and public holidays.';
    ai.openai.queueReplies({ text: longAnswer }, { text: 'Of course, Saturday it is.' });
    const { channelId, mediaId } = await callerSays(ai, 'When are you open?');
    await waitFor(() => {
      const last = ai!.system.fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS).at(-1);
      return ai!.openai.speechRequests().some((r) => (r.body as { input: string }).input.startsWith('We are open')) && last && last.atMs > performance.now() - 100 ? last : null;
    }, { what: 'the answer being heard' });
    const bargeAt = performance.now();
    ai.openai.queueTranscriptions('Saturday please.');
    ai.system.fake.startCallerAudio(mediaId, { payload: SECOND_UTTERANCE });

    const interrupted = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.interrupted, 'the interrupted turn');
    expect(longAnswer.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(longAnswer.length);
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Of course, Saturday it is.', 'the next answer');
    const heard = ai.system.fake.rtpHeard(mediaId).filter((p) => p.atMs > bargeAt);
    const stoppedAt = heard.find((p, i) => heard.slice(i, i + 10).length === 10 && heard.slice(i, i + 10).every((q) => q.rms < VOICED_RMS));
    expect(stoppedAt).toBeDefined();
    expect(stoppedAt!.atMs - bargeAt).toBeLessThan(1_500);
    const followUp = ai.openai.chatRequests().at(-1)!.body as { messages: { role: string; content: string | null }[] };
    expect(followUp.messages.filter((m) => m.role === 'assistant').at(-1)?.content).toBe(interrupted.text);
    noViolations(ai);
  });

  it('end_call: the goodbye is played, then the backend hangs up', async () => {
    ai = await start();
    ai.openai.respond(() => ({ text: 'Thank you for calling, goodbye!', toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }] }));
    const { channelId } = await callerSays(ai, 'That is all, thanks.');
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup' });
    const goodbye = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 1, 'the goodbye');
    expect(goodbye).toMatchObject({ text: 'Thank you for calling, goodbye!', interrupted: false });
    expect(row.endedAt!.getTime()).toBeGreaterThanOrEqual(goodbye.endedAt!.getTime());
    noViolations(ai);
  });

  it('transfer_to_human: the caller goes to the transfer target', async () => {
    ai = await start({ transferTarget: 'PJSIP/100' });
    ai.openai.respond(() => ({ text: 'Let me get someone for you.', toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'asked for a person' } }] }));
    const { channelId } = await callerSays(ai, 'Can I talk to a person?');
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'transferred', transferTarget: 'PJSIP/100', hangupCause: 'transferred' });
    expect(ai.system.fake.channel(channelId)?.continuedTo).toEqual({ context: 'prosaas-transfer', exten: 's', priority: 1 });
    noViolations(ai);
  });

  it('take_message: the message is stored and the model hears the tool result', async () => {
    ai = await start({ transferTarget: null });
    ai.openai.queueReplies(
      { toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Ann Lee', callback_number: '+1 555 123 4567', reason: 'Test results' } }] },
      { text: 'I have passed your message on.' },
    );
    const { channelId } = await callerSays(ai, 'Please ask the doctor to call me back.');
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'I have passed your message on.', 'the confirmation');
    const call = await ai.system.prisma.callLog.findUniqueOrThrow({ where: { channelId } });
    expect(await ai.system.prisma.callMessage.findMany({ where: { callId: call.id } })).toMatchObject([{ callerName: 'Ann Lee', reason: 'Test results' }]);
    const second = ai.openai.chatRequests()[1]!.body as { messages: { role: string; content: string }[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', content: 'Done.' });
    noViolations(ai);
  });

  it('the transcription server down: apology, then transfer; the failure names the server without the key', async () => {
    ai = await start({ transferTarget: 'PJSIP/100' });
    ai.openai.setTranscriptionOutage({ status: 503, message: 'model is loading' });
    const { channelId } = await callerSays(ai, 'Hello?');
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'transferred', failureProvider: 'stt' });
    expect(row.failure).toMatch(/^self-hosted stt: transcription failed with HTTP 503/);
    expect(row.failure).not.toContain(ai.openai.apiKey);
    const apology = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 0, 'the apology');
    expect(apology.text.length).toBeGreaterThan(0);
    // Tried again before giving up (TRANSCRIPTION_RETRIES), then no more requests.
    await waitUntil(() => ai!.openai.transcriptionRequests().length === 3, { what: 'three attempts' });
  });
});
