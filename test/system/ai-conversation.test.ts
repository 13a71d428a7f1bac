// A whole AI call through the real backend + gateway + PostgreSQL, with the
// ARI, Deepgram and OpenAI fakes speaking their real protocols on 127.0.0.1.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWavHeader } from '../../media/recording/wav.js';
import {
  FIRST_UTTERANCE,
  GREETING,
  SECOND_UTTERANCE,
  placeBridgedCall,
  startAiSystem,
  turnWhere,
  turnsOf,
  type AiSystem,
} from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

const VOICED_RMS = 300;

function messagesOf(body: unknown): { role: string; content: string | null }[] {
  return (body as { messages: { role: string; content: string | null }[] }).messages;
}

describe('an AI call', () => {
  it('greets, answers two exchanges with paced audio, stores turns with latencies and the recording', async () => {
    ai = await startAiSystem();
    const { fake } = ai.system;
    ai.openai.respond((request) =>
      request.lastUserText?.includes('cleaning')
        ? { text: 'Sure, I can help with that. What day works for you?' }
        : { text: 'Great, you are booked for tomorrow at ten. Anything else?' },
    );
    const { channelId, mediaId } = await placeBridgedCall(ai);

    // The greeting is heard: non-silent agent audio as paced RTP from the gateway.
    const greeting = await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    expect(greeting).toMatchObject({ role: 'agent', text: GREETING, interrupted: false });
    expect(fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS).length).toBeGreaterThan(20);

    ai.deepgram.queueTranscripts(['I would like to book a cleaning.']);
    fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 1, 'the first answer');
    expect(answer.text).toBe('Sure, I can help with that. What day works for you?');
    for (const field of ['sttFinalMs', 'llmFirstTokenMs', 'ttsFirstAudioMs', 'voiceToVoiceMs'] as const) {
      expect(answer[field], field).not.toBeNull();
    }
    expect(answer.sttFinalMs!).toBeLessThanOrEqual(answer.llmFirstTokenMs!);
    expect(answer.llmFirstTokenMs!).toBeLessThanOrEqual(answer.ttsFirstAudioMs!);
    expect(answer.ttsFirstAudioMs!).toBeLessThanOrEqual(answer.voiceToVoiceMs!);

    ai.deepgram.queueTranscripts(['Tomorrow at ten works.']);
    fake.startCallerAudio(mediaId, { payload: SECOND_UTTERANCE });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text.startsWith('Great, you are booked'), 'the second answer');

    const turns = await turnsOf(ai, channelId);
    expect(turns.map((t) => [t.role, t.text])).toEqual([
      ['agent', GREETING],
      ['caller', 'I would like to book a cleaning.'],
      ['agent', 'Sure, I can help with that. What day works for you?'],
      ['caller', 'Tomorrow at ten works.'],
      ['agent', 'Great, you are booked for tomorrow at ten. Anything else?'],
    ]);
    // The LLM saw the whole conversation on the second exchange.
    const lastRequest = ai.openai.chatRequests().at(-1)!;
    const contents = messagesOf(lastRequest.body).map((m) => m.content);
    expect(contents).toContain(GREETING);
    expect(contents).toContain('Sure, I can help with that. What day works for you?');

    // Agent audio arrives paced: one packet per 20 ms, continuous sequence numbers.
    const heard = fake.rtpHeard(mediaId);
    for (let i = 1; i < heard.length; i += 1) {
      expect((heard[i]!.sequenceNumber - heard[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
    }

    fake.hangupCaller(channelId);
    const row = await waitFor(async () => {
      const r = await ai!.system.prisma.callLog.findUnique({ where: { channelId } });
      return r?.status === 'completed' ? r : null;
    }, { what: 'the completed call' });
    expect(row.businessId).toBe(ai.businessId);
    const wav = await readFile(join(ai.system.gateway.recordingsDir, row.recordingPath!));
    expect(parseWavHeader(wav)).toMatchObject({ channels: 2, sampleRate: 8000 });
    expect(ai.deepgram.violations).toEqual([]);
    expect(ai.openai.violations).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('stops talking when the caller barges in, marks the turn interrupted and keeps only what was heard', async () => {
    ai = await startAiSystem();
    const { fake } = ai.system;
    const longAnswer =
      'We are open Monday to Friday from eight in the morning until six in the evening. ' +
      'On Saturdays we open at nine and close at one. We are closed on Sundays and public holidays.';
    ai.openai.queueReplies({ text: longAnswer }, { text: 'Of course, Saturday it is.' });
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');

    ai.deepgram.queueTranscripts(['When are you open?', 'Saturday please.']);
    fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    // The long answer starts playing...
    await waitUntil(() => ai!.deepgram.flushes().some((f) => longAnswer.startsWith(f.text)), { what: 'the answer sent to TTS' });
    const answerStartedAt = await waitFor(() => {
      const voiced = fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS);
      const last = voiced.at(-1);
      return last && last.atMs > performance.now() - 100 ? last.atMs : null;
    }, { what: 'the answer being heard' });
    // ...and the caller talks over it.
    const bargeAt = performance.now();
    fake.startCallerAudio(mediaId, { payload: SECOND_UTTERANCE });

    const interrupted = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.interrupted, 'the interrupted turn');
    expect(longAnswer.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(longAnswer.length);
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Of course, Saturday it is.', 'the next answer');
    expect(answerStartedAt).toBeLessThan(bargeAt);

    // The agent's audio stopped soon after the caller started (the rest of the long
    // answer would have lasted seconds): a run of silence follows the interruption.
    const heard = fake.rtpHeard(mediaId).filter((p) => p.atMs > bargeAt);
    const stoppedAt = heard.find((p, i) => heard.slice(i, i + 10).length === 10 && heard.slice(i, i + 10).every((q) => q.rms < VOICED_RMS));
    expect(stoppedAt).toBeDefined();
    expect(stoppedAt!.atMs - bargeAt).toBeLessThan(1_500);

    // What the LLM was told the agent said is what the caller heard.
    const followUp = ai.openai.chatRequests().at(-1)!;
    const assistant = messagesOf(followUp.body).filter((m) => m.role === 'assistant');
    expect(assistant.at(-1)?.content).toBe(interrupted.text);
  });
});
