// One Turn with the real OpenAI and Deepgram clients against the protocol
// fakes, playing on a test line (real playout queue, real 20 ms clock).
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentOutput } from '../../../media/conversation/agent-output.js';
import { conversationTools } from '../../../media/conversation/conversation-tools.js';
import type { ConversationEvent } from '../../../media/conversation/conversation-types.js';
import { SpeechChannel } from '../../../media/conversation/speech-channel.js';
import { Turn } from '../../../media/conversation/turn.js';
import { DeepgramTtsProvider } from '../../../media/providers/deepgram-tts.js';
import { OpenAiLlmProvider } from '../../../media/providers/openai-llm.js';
import type { TtsFrame } from '../../../media/providers/types.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { FakeOpenAI } from '../../fakes/openai/index.js';
import { waitUntil } from '../../kit/wait.js';
import { TestLine } from '../../support/doubles/test-line.js';

const MESSAGES = [
  { role: 'system' as const, content: 'You answer the phone for Acme Dental.' },
  { role: 'user' as const, content: 'When are you open?' },
];

let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
});

async function setup() {
  const deepgram = await FakeDeepgram.start({ speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
  const openai = await FakeOpenAI.start();
  const call = new AbortController();
  const line = new TestLine({
    callId: '00000000-0000-4000-8000-00000000c0de',
    businessId: '00000000-0000-4000-8000-00000000b12e',
    channelId: '1.0',
    format: 'ulaw',
    transport: 'rtp',
    announcement: null,
    record: true,
    caller: { from: null, to: '+19863334949' },
    agent: { businessName: 'Acme', greeting: '', systemPrompt: '', voice: 'aura-2-thalia-en', language: 'en', timezone: 'UTC', transferTarget: null },
  });
  const output = new AgentOutput(line);
  line.connect({ onCallerFrame: () => {}, onAgentFrameSent: (_frame, atMs) => output.onSent(atMs), close: async () => {} });
  const speech = new SpeechChannel({
    tts: new DeepgramTtsProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url }),
    voice: 'aura-2-thalia-en',
    signal: call.signal,
    now: () => performance.now(),
    logger: pino({ level: 'silent' }),
  });
  await speech.start();
  const events: ConversationEvent[] = [];
  const failures: [string, unknown][] = [];
  const llm = new OpenAiLlmProvider({ apiKey: openai.apiKey, baseURL: openai.baseURL });
  const newTurn = (seq: number) =>
    new Turn({
      seq,
      callSignal: call.signal,
      llm,
      tools: conversationTools(false),
      speech,
      output,
      now: () => performance.now(),
      logger: pino({ level: 'silent' }),
      emit: (event) => events.push(event),
      failed: (provider, error) => failures.push([provider, error]),
    });
  stop = async () => {
    call.abort();
    await line.close();
    await speech.close();
    await deepgram.close();
    await openai.close();
  };
  return { deepgram, openai, line, output, events, failures, newTurn, types: () => events.map((e) => e.type) };
}

describe('Turn', () => {
  it('speaks what the LLM says as it streams, the first sentence alone and the rest batched, and reports each milestone once', async () => {
    const t = await setup();
    const answer = 'Sure. We open at eight on weekdays. We close at six. On Saturdays we open at nine.';
    // The whole answer comes in one burst, so the sentences after the first reliably arrive while it is synthesized.
    t.openai.respond(() => ({ text: answer, interTokenDelayMs: 0 }));
    const turn = t.newTurn(3);
    turn.startRound(MESSAGES);
    await waitUntil(() => t.types().includes('llm_done'), { what: 'the round' });
    expect(t.events.find((e) => e.type === 'llm_done')).toMatchObject({ turn: 3, text: answer, toolCalls: [] });
    turn.finishSpeech();
    await waitUntil(() => t.types().includes('agent_audio_done'), { what: 'the whole answer heard', timeoutMs: 15_000 });
    // Each milestone once, in causal order (the LLM may finish before or after the first audio).
    const types = t.types();
    expect([...types].sort()).toEqual(['agent_audio_done', 'agent_audio_sent', 'llm_done', 'llm_first_token', 'tts_first_audio']);
    expect(types[0]).toBe('llm_first_token');
    expect(types.indexOf('tts_first_audio')).toBeLessThan(types.indexOf('agent_audio_sent'));
    expect(types.at(-1)).toBe('agent_audio_done');
    expect(turn.heard()).toBe(answer);
    // The first sentence went at once; what came while it was synthesized went together, in few requests.
    const flushes = t.deepgram.flushes().map((f) => f.text);
    expect(flushes[0]).toBe('Sure.');
    expect(flushes.join(' ')).toBe(answer);
    expect(flushes.length).toBeLessThan(4);
    expect(t.failures).toEqual([]);
  });

  it('reports the tools the LLM called with the words it said before them', async () => {
    const t = await setup();
    t.openai.respond(() => ({ text: 'Let me note that.', toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Ann' }, id: 'call_7' }] }));
    const turn = t.newTurn(1);
    turn.startRound(MESSAGES);
    await waitUntil(() => t.types().includes('llm_done'), { what: 'the round' });
    expect(t.events.find((e) => e.type === 'llm_done')).toMatchObject({
      text: 'Let me note that.',
      toolCalls: [{ id: 'call_7', name: 'take_message', arguments: { caller_name: 'Ann' } }],
    });
    await waitUntil(() => turn.heard() === 'Let me note that.', { what: 'the words heard' });
  });

  it('cancel() stops the LLM request, the synthesis and the playback at once', async () => {
    const t = await setup();
    t.openai.respond(() => ({ text: 'We are open every day. '.repeat(12), interTokenDelayMs: 40 }));
    const turn = t.newTurn(2);
    turn.startRound(MESSAGES);
    await waitUntil(() => turn.heard() !== '', { what: 'the first words heard' });
    turn.cancel();
    t.output.clear();
    const heard = turn.heard();
    const cancelledAt = performance.now();
    await waitUntil(() => t.openai.chatRequests()[0]!.outcome === 'client-aborted', { what: 'the LLM request aborted' });
    await waitUntil(() => t.deepgram.speakConnections()[0]!.clears > 0 || t.deepgram.flushes().every((f) => f.outcome !== 'pending'), {
      what: 'the synthesis stopped',
    });
    // Ticks go on; none carries the turn's audio.
    const ticks = t.line.ticks;
    await waitUntil(() => t.line.ticks >= ticks + 10, { what: 'ten more ticks' });
    expect(t.line.heard.filter((p) => p.atMs > cancelledAt)).toEqual([]);
    expect(t.types()).not.toContain('llm_done');
    expect(t.types()).not.toContain('agent_audio_done');
    expect(t.failures).toEqual([]);
    expect(turn.heard()).toBe(heard);
  });

  it('plays a clip after its words, and a turn of a clip alone is over once it is heard', async () => {
    const t = await setup();
    const clip = Array.from({ length: 25 }, (): TtsFrame => ({ kind: 'ulaw', payload: new Uint8Array(160).fill(0x10) }));
    const turn = t.newTurn(0);
    turn.playClip('Thanks for calling.', Promise.resolve(clip));
    turn.finishSpeech();
    await waitUntil(() => t.types().includes('agent_audio_done'), { what: 'the clip heard' });
    expect(t.types()).toEqual(['agent_audio_sent', 'agent_audio_done']);
    expect(turn.heard()).toBe('Thanks for calling.');
    expect(t.line.heard.filter((p) => p.rms > 0)).toHaveLength(25);
  });
});
