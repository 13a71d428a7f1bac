// The OpenAI TTS provider (real `openai` SDK) against the OpenAI fake on 127.0.0.1.

import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiTtsProvider, type OpenAiTtsOptions } from '../../../media/providers/openai-tts.js';
import { ProviderError } from '../../../media/providers/provider-error.js';
import type { TtsOutput, TtsSession } from '../../../media/providers/types.js';
import { speechDurationMs, speechSampleCount, synthesizeSpeech } from '../../fakes/deepgram/index.js';
import { FakeOpenAI, SPEECH_SAMPLE_RATE, type FakeOpenAIOptions } from '../../fakes/openai/index.js';

const WRONG_KEY = 'sk-wrong-0123456789abcdefghij';
const FRAME_SAMPLES = 160;

const fakes: FakeOpenAI[] = [];
const sessions: TtsSession[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = await FakeOpenAI.start(options);
  fakes.push(fake);
  return fake;
}

function providerFor(fake: FakeOpenAI, options: Partial<OpenAiTtsOptions> = {}): OpenAiTtsProvider {
  return new OpenAiTtsProvider({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'gpt-4o-mini-tts', timeouts: { retryBackoffMs: 20 }, ...options });
}

async function open(provider: OpenAiTtsProvider, signal: AbortSignal = new AbortController().signal): Promise<TtsSession> {
  const session = await provider.open({ voice: 'alloy', signal });
  sessions.push(session);
  return session;
}

function collect(session: TtsSession, onOutput?: (output: TtsOutput) => void): { outputs: TtsOutput[]; done: Promise<unknown> } {
  const outputs: TtsOutput[] = [];
  const done = (async () => {
    for await (const output of session.output) {
      outputs.push(output);
      onOutput?.(output);
    }
    return null;
  })().catch((error: unknown) => error);
  return { outputs, done };
}

function isDone(outputs: TtsOutput[], sentence: number): boolean {
  return outputs.some((o) => o.type === 'sentence_done' && o.sentence === sentence);
}

function samplesOf(outputs: TtsOutput[], sentence: number): Int16Array[] {
  return outputs.flatMap((o) => (o.type === 'frame' && o.sentence === sentence && o.frame.kind === 'pcm' ? [o.frame.samples] : []));
}

/** Samples at 8 kHz the fake's 24 kHz audio of `text` resamples to. */
function expectedSamples8k(text: string): number {
  return Math.floor(speechSampleCount(speechDurationMs(text), SPEECH_SAMPLE_RATE) / 3);
}

function order(outputs: TtsOutput[]): string[] {
  return outputs.map((o) => `${o.type === 'frame' ? 'f' : 'd'}${o.sentence}`).filter((tag, i, all) => tag !== all[i - 1]);
}

function correlation(a: Int16Array, b: Int16Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('OpenAiTtsProvider against the fake', () => {
  it('yields 160-sample 8 kHz frames lasting exactly as long as each sentence, in order, time-aligned', async () => {
    const fake = await startFake({ speech: { chunkMs: 25 } }); // 1200-byte chunks: frames straddle them
    const session = await open(providerFor(fake));
    const { outputs } = collect(session);
    const texts = ['Thank you for calling.', 'How can I help you today?'];
    expect(texts.map((text) => session.speak(text))).toEqual([0, 1]);
    await fake.waitFor(() => isDone(outputs, 1), { what: 'both sentences done' });

    expect(order(outputs)).toEqual(['f0', 'd0', 'f1', 'd1']);
    texts.forEach((text, sentence) => {
      const frames = samplesOf(outputs, sentence);
      expect(frames.every((frame) => frame.length === FRAME_SAMPLES)).toBe(true);
      const expected = expectedSamples8k(text);
      expect(frames.length).toBe(Math.ceil(expected / FRAME_SAMPLES));
      const joined = new Int16Array(frames.length * FRAME_SAMPLES);
      frames.forEach((frame, i) => joined.set(frame, i * FRAME_SAMPLES));
      expect(joined.subarray(expected).every((sample) => sample === 0)).toBe(true);
      // The filter delay is compensated: the audio lines up with the same voice rendered at 8 kHz.
      expect(correlation(joined.subarray(0, expected), synthesizeSpeech(speechDurationMs(text), 8000))).toBeGreaterThan(0.95);
    });
    expect(fake.speechRequests().map((r) => r.body)).toEqual(
      texts.map((input) => ({ model: 'gpt-4o-mini-tts', voice: 'alloy', input, response_format: 'pcm' })),
    );
    expect(fake.violations).toEqual([]);
  });

  it('requests up to sentencesAhead sentences in parallel but yields strictly in order', async () => {
    const fake = await startFake({ speech: { realTimeFactor: 0.25 } });
    const session = await open(providerFor(fake, { sentencesAhead: 2 }));
    let requestsWhenFirstDone = -1;
    const { outputs } = collect(session, (output) => {
      if (output.type === 'sentence_done' && output.sentence === 0) requestsWhenFirstDone = fake.speechRequests().length;
    });
    const texts = ['The first sentence is the longest one of them all, by some margin.', 'Second.', 'Third.', 'Fourth.', '  '];
    for (const text of texts) session.speak(text);
    await fake.waitFor(() => isDone(outputs, 4), { what: 'five sentences done' });
    expect(order(outputs)).toEqual(['f0', 'd0', 'f1', 'd1', 'f2', 'd2', 'f3', 'd3', 'd4']); // the blank one needs no request
    const requests = fake.speechRequests();
    expect(requests[2]!.receivedAtMs).toBeLessThan(requests[0]!.lastByteSentAtMs!); // 0, 1 and 2 overlapped
    expect(requestsWhenFirstDone).toBe(3); // the fourth waited for the window to move
    expect(requests.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });

  it('clear() aborts the earlier sentences and drops their audio; later sentences still come', async () => {
    const fake = await startFake({ speech: { realTimeFactor: 1 } });
    const session = await open(providerFor(fake));
    const { outputs } = collect(session);
    session.speak('This is a long answer that the caller is about to interrupt, right in the middle of it.');
    session.speak('And this one was requested ahead of time.');
    await fake.waitFor(() => samplesOf(outputs, 0).length >= 5, { what: 'the first frames' });
    session.clear();
    const atClear = outputs.length;
    fake.setSpeechKnobs({ realTimeFactor: 0 });
    expect(session.speak('Sure, go ahead.')).toBe(2);
    await fake.waitFor(() => isDone(outputs, 2), { what: 'the sentence after clear' });
    expect(outputs.slice(atClear).every((o) => o.sentence === 2)).toBe(true);
    expect(outputs.some((o) => o.type === 'sentence_done' && o.sentence < 2)).toBe(false);
    expect(samplesOf(outputs, 2)).toHaveLength(Math.ceil(expectedSamples8k('Sure, go ahead.') / FRAME_SAMPLES));
    await fake.waitFor(() => fake.speechRequests()[1]!.outcome !== 'pending', { what: 'the aborted requests settle' });
    expect(fake.speechRequests().map((r) => r.outcome)).toEqual(['client-aborted', 'client-aborted', 'completed']);
  });

  it('fails the output with a retryable ProviderError when the audio breaks off mid-sentence', async () => {
    const fake = await startFake({ speech: { realTimeFactor: 1 } });
    fake.failNextSpeech({ disconnectAfterChunks: 10 });
    const session = await open(providerFor(fake));
    const { outputs, done } = collect(session);
    session.speak('This sentence will not finish.');
    const error = await done;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'tts', vendor: 'openai', code: 'connection', retryable: true });
    expect(samplesOf(outputs, 0).length).toBeGreaterThan(0);
    expect(isDone(outputs, 0)).toBe(false);
    expect(fake.speechRequests().map((r) => r.outcome)).toEqual(['disconnected']); // audio was produced: no retry
  });

  it('retries a 5xx before any audio once; a second one fails the sentence after the earlier ones played', async () => {
    const fake = await startFake();
    const session = await open(providerFor(fake, { sentencesAhead: 0 }));
    const { outputs, done } = collect(session);
    fake.failNextSpeech({ status: 500, message: 'The server had an error.' });
    session.speak('First.');
    await fake.waitFor(() => isDone(outputs, 0), { what: 'the first sentence after one retry' });
    expect(fake.speechRequests().map((r) => r.status)).toEqual([500, 200]);

    fake.failNextSpeech({ status: 503, message: 'Overloaded.' });
    session.speak('Second.');
    await fake.waitFor(() => fake.speechRequests().length === 3, { what: 'the second request' });
    fake.failNextSpeech({ status: 503, message: 'Overloaded.' });
    const error = await done;
    expect(error).toMatchObject({ name: 'ProviderError', code: 'server', retryable: true, status: 503 });
    expect((error as Error).message).toMatch(/^openai tts: speech request for sentence 1 failed with HTTP 503/);
    expect(order(outputs)).toEqual(['f0', 'd0']);
  });

  it('fails with retryable false on a wrong key, without the key in the message', async () => {
    const fake = await startFake();
    const session = await open(providerFor(fake, { apiKey: WRONG_KEY }));
    const { done } = collect(session);
    session.speak('Hello.');
    const error = await done;
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'tts', code: 'auth', retryable: false, status: 401 });
    expect((error as Error).message).not.toContain(WRONG_KEY);
    expect((error as Error).message).not.toContain(WRONG_KEY.slice(-4));
    expect(fake.speechRequests()).toHaveLength(1);
  });

  it('fails when a sentence gets no audio within firstAudioTimeoutMs, without retrying it', async () => {
    const fake = await startFake();
    fake.failNextSpeech({ hang: true });
    const session = await open(providerFor(fake, { timeouts: { firstAudioTimeoutMs: 150 } }));
    const { done } = collect(session);
    session.speak('Hello.');
    const error = await done;
    expect(error).toMatchObject({ name: 'ProviderError', code: 'timeout', retryable: true });
    expect(fake.speechRequests()).toHaveLength(1);
  });

  it('ends the output quietly when the signal aborts, aborting the requests in flight', async () => {
    const fake = await startFake({ speech: { realTimeFactor: 1 } });
    const abort = new AbortController();
    const session = await open(providerFor(fake), abort.signal);
    const { outputs, done } = collect(session);
    session.speak('A sentence that is cut by the end of the call.');
    await fake.waitFor(() => outputs.length >= 2, { what: 'some frames' });
    abort.abort();
    await expect(done).resolves.toBeNull();
    await fake.waitFor(() => fake.speechRequests()[0]!.outcome === 'client-aborted', { what: 'the fake sees the abort' });
    expect(session.speak('Too late.')).toBe(1);
    expect(fake.speechRequests()).toHaveLength(1);
  });

  it('probes with GET /v1/models', async () => {
    const fake = await startFake();
    await providerFor(fake).probe(new AbortController().signal);
    const error = await providerFor(fake, { apiKey: WRONG_KEY }).probe(new AbortController().signal).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'tts', vendor: 'openai', code: 'auth', retryable: false });
    expect((error as Error).message).not.toContain(WRONG_KEY);
  });
});
