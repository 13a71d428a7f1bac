// Provider failures, silence and dead air, end to end: the caller always hears
// something sensible. A provider that drops once recovers without the caller
// noticing; one that stays down ends (or transfers) the call cleanly, with
// what failed on the CallLog.
import { describe, expect, it, type TestContext } from 'vitest';
import { FIRST_UTTERANCE, GATEWAY_TOKEN, placeBridgedCall, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';

// Each test has a system of its own (database, fakes, ports) and spends most of
// its time in real-time audio, so the provider drops run concurrently; the test
// that measures gaps in what the caller hears runs last, alone.

/** Tests sharing the machine with others get a longer bound (a bound, not a pace). */
const CONCURRENT = { timeout: 60_000 };

/** An AI system stopped when the test ends. */
async function started(context: TestContext, options: Parameters<typeof startAiSystem>[0]): Promise<AiSystem> {
  const system = await startAiSystem(options);
  context.onTestFinished(() => system.stop());
  return system;
}

const VOICED_RMS = 300;

function finalRow(system: AiSystem, channelId: string) {
  return waitFor(async () => {
    const row = await system.system.prisma.callLog.findUnique({ where: { channelId } });
    return row && !['ringing', 'answered'].includes(row.status) ? row : null;
  }, { what: 'the final call row', timeoutMs: 20_000 });
}

async function greeted(system: AiSystem) {
  const call = await placeBridgedCall(system);
  await turnWhere(system, call.channelId, (t) => t.seq === 0, 'the greeting turn');
  return call;
}

/** A counter of the gateway's GET /metrics. */
async function gatewayCounter(system: AiSystem, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${system.system.gateway.http.port}/metrics`, {
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}` },
  });
  const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

/** Refuses the next `count` handshakes on `path` (the service is down for new connections). */
function refuseConnections(system: AiSystem, path: 'listen' | 'speak', count: number): void {
  for (let i = 0; i < count; i += 1) system.deepgram.failNextConnect({ status: 503, path });
}

describe.concurrent('a provider dropping mid-call', CONCURRENT, () => {
  it('speech to text drops once: a new stream takes over and the call goes on', async (context) => {
    const ai = await started(context, { transferTarget: 'PJSIP/100' });
    ai.openai.respond(() => ({ text: 'We open at eight.' }));
    const { channelId, mediaId } = await greeted(ai);
    ai.deepgram.dropAll({ path: 'listen', code: 1011, reason: 'NET-0001' });
    await waitUntil(() => ai.deepgram.connections().length === 2, { what: 'a new STT stream' });
    ai.deepgram.queueTranscripts(['When do you open?']);
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'We open at eight.', 'the answer');
    expect(await gatewayCounter(ai, 'agent_stt_reconnects_total')).toBe(1);
    const row = await ai.system.prisma.callLog.findUniqueOrThrow({ where: { channelId } });
    expect(row).toMatchObject({ status: 'answered', failureProvider: null });
  });

  it('speech to text stays down: apology, then transfer; the failure is on the CallLog', async (context) => {
    const ai = await started(context, { transferTarget: 'PJSIP/100' });
    const { channelId } = await greeted(ai);
    refuseConnections(ai, 'listen', 3);
    ai.deepgram.dropAll({ path: 'listen', code: 1011, reason: 'NET-0001' });
    const apology = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 0, 'the apology');
    expect(apology.text).toMatch(/sorry/i);
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'transferred', failureProvider: 'stt' });
    expect(row.failure).toMatch(/deepgram stt/);
    expect(row.failure).not.toContain(ai.deepgram.apiKey);
  });

  it('the language model errors: apology, then hang-up when there is no one to transfer to', async (context) => {
    const ai = await started(context, { transferTarget: null });
    ai.openai.setChatOutage({ status: 500, message: 'The server had an error while processing your request.' });
    const { channelId, mediaId } = await greeted(ai);
    ai.deepgram.queueTranscripts(['Are you open today?']);
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'provider_failure', failureProvider: 'llm' });
    const turns = await ai.system.prisma.callTurn.findMany({ where: { callId: row.id }, orderBy: { seq: 'asc' } });
    expect(turns.at(-1)?.text).toMatch(/sorry/i);
    expect(ai.system.fake.channel(channelId)?.hungUpBy).toBe('app');
  });

  it('text to speech breaks mid-answer once: the sentence is asked for again and the answer is heard whole', async (context) => {
    const ai = await started(context, { transferTarget: 'PJSIP/100' });
    const answer = 'We are open from eight until six on weekdays and from nine until one on Saturdays.';
    ai.openai.respond(() => ({ text: answer }));
    const { channelId, mediaId } = await greeted(ai);
    ai.deepgram.failNextSpeakStream({ afterChunks: 2, mode: 'destroy' });
    ai.deepgram.queueTranscripts(['When are you open?']);
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const heard = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 1, 'the answer');
    expect(heard).toMatchObject({ text: answer, interrupted: false });
    expect(await gatewayCounter(ai, 'agent_tts_reconnects_total')).toBe(1);
    // The sentence cut off was asked for again on the new session.
    expect(ai.deepgram.flushes().filter((f) => f.text === answer).map((f) => f.outcome)).toEqual(['failed', 'flushed']);
    const row = await ai.system.prisma.callLog.findUniqueOrThrow({ where: { channelId } });
    expect(row.failureProvider).toBeNull();
  });

  it('text to speech stays down: the cached apology still plays, then transfer', async (context) => {
    const ai = await started(context, { transferTarget: 'PJSIP/100' });
    ai.openai.respond(() => ({ text: 'We are open from eight until six on weekdays and from nine until one on Saturdays.' }));
    const { channelId, mediaId } = await greeted(ai);
    ai.deepgram.failNextSpeakStream({ afterChunks: 2, mode: 'destroy' });
    refuseConnections(ai, 'speak', 3);
    ai.deepgram.queueTranscripts(['When are you open?']);
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'transferred', failureProvider: 'tts' });
    const apology = await turnWhere(ai, channelId, (t) => t.role === 'agent' && /sorry/i.test(t.text), 'the apology turn');
    expect(apology.interrupted).toBe(false);
  });
});

describe('a silent caller', () => {
  it('reprompts a silent caller, then says goodbye and hangs up', async (context) => {
    const ai = await started(context, { gatewayEnv: { SILENCE_REPROMPT_MS: '1500', SILENCE_MAX_REPROMPTS: '1' } });
    const { channelId } = await greeted(ai);
    const reprompt = await turnWhere(ai, channelId, (t) => t.seq === 1, 'the reprompt');
    expect(reprompt.text).toBe('Are you still there?');
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_silence' });
    const turns = await ai.system.prisma.callTurn.findMany({ where: { callId: row.id }, orderBy: { seq: 'asc' } });
    expect(turns.map((t) => t.text)).toEqual([turns[0]!.text, 'Are you still there?', 'Thank you for calling. Goodbye!']);
  });
});

describe('readiness', () => {
  it('explains a provider that refuses our key at startup', async (context) => {
    const ai = await started(context, { gatewayEnv: { DEEPGRAM_API_KEY: 'dg-wrong-key-123456' } });
    const url = `http://127.0.0.1:${ai.system.gateway.http.port}/ready`;
    await waitUntil(async () => (await fetch(url)).status === 503, { what: 'the gateway to report not ready' });
    const body = (await (await fetch(url)).json()) as { reasons: string[] };
    expect(body.reasons.join(' ')).toMatch(/^stt: .*deepgram/);
    expect(JSON.stringify(body)).not.toContain('dg-wrong-key-123456');
  });
});

describe('a slow answer (alone: it measures gaps in what the caller hears)', () => {
  it('fills a slow answer so the caller never waits in silence longer than the limit', async (context) => {
    const ai = await started(context, { gatewayEnv: { FILLER_AFTER_MS: '700' } });
    ai.openai.respond(() => ({ text: 'Here is the answer you waited for.', firstTokenLatencyMs: 3_000 }));
    const { channelId, mediaId } = await greeted(ai);
    ai.deepgram.queueTranscripts(['What are your prices?']);
    const speakingAt = performance.now();
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Here is the answer you waited for.', 'the slow answer');

    // From the end of the caller's audio until the answer was heard, the longest stretch
    // without agent audio stays near FILLER_AFTER_MS (700) plus the VAD's end-of-speech
    // hangover (300), not the LLM's 3 s.
    const callerEndMs = speakingAt + (FIRST_UTTERANCE.length / 8000) * 1000;
    const voiced = ai.system.fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS && p.atMs > callerEndMs);
    expect(voiced.length).toBeGreaterThan(0);
    let longestGapMs = voiced[0]!.atMs - callerEndMs;
    for (let i = 1; i < voiced.length; i += 1) longestGapMs = Math.max(longestGapMs, voiced[i]!.atMs - voiced[i - 1]!.atMs);
    expect(longestGapMs).toBeLessThan(700 + 300 + 600);
  });
});
