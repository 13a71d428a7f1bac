// The Deepgram Aura TTS provider (real @deepgram/sdk) against the Deepgram fake on 127.0.0.1.

import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramTtsProvider, speakPieces, type DeepgramTtsOptions } from '../../../media/providers/deepgram-tts.js';
import { ProviderError } from '../../../media/providers/provider-error.js';
import type { TtsOutput, TtsSession } from '../../../media/providers/types.js';
import { encodeSamples } from '../../fakes/deepgram/audio-codec.js';
import { FakeDeepgram, speechDurationMs, synthesizeSpeech, type FakeDeepgramOptions } from '../../fakes/deepgram/index.js';

const VOICE = 'aura-2-thalia-en';
const WRONG_KEY = 'dg-wrong-0123456789abcdef0123456789abcdef';
const FRAME_BYTES = 160;

const fakes: FakeDeepgram[] = [];
const sessions: TtsSession[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
  const fake = await FakeDeepgram.start(options);
  fakes.push(fake);
  return fake;
}

function providerFor(fake: FakeDeepgram, options: Partial<DeepgramTtsOptions> = {}): DeepgramTtsProvider {
  return new DeepgramTtsProvider({ apiKey: fake.apiKey, baseUrl: fake.url, ...options });
}

async function open(provider: DeepgramTtsProvider, signal: AbortSignal = new AbortController().signal): Promise<TtsSession> {
  const session = await provider.open({ voice: VOICE, signal });
  sessions.push(session);
  return session;
}

/** Consumes the output in the background; `done` settles with the error it threw (null when it ended). */
function collect(session: TtsSession): { outputs: TtsOutput[]; done: Promise<unknown> } {
  const outputs: TtsOutput[] = [];
  const done = (async () => {
    for await (const output of session.output) outputs.push(output);
    return null;
  })().catch((error: unknown) => error);
  return { outputs, done };
}

function sentenceBytes(outputs: TtsOutput[], sentence: number): Buffer {
  return Buffer.concat(
    outputs.flatMap((o) => (o.type === 'frame' && o.sentence === sentence && o.frame.kind === 'ulaw' ? [o.frame.payload] : [])),
  );
}

/** What the fake synthesizes for `text`, as mu-law, padded with silence to whole 20 ms frames. */
function expectedUlaw(text: string): Buffer {
  const audio = encodeSamples('mulaw', synthesizeSpeech(speechDurationMs(text), 8000));
  const frames = Math.ceil(audio.length / FRAME_BYTES);
  return Buffer.concat([audio, Buffer.alloc(frames * FRAME_BYTES - audio.length, 0xff)]);
}

function order(outputs: TtsOutput[]): string[] {
  return outputs.map((o) => `${o.type === 'frame' ? 'f' : 'd'}${o.sentence}`).filter((tag, i, all) => tag !== all[i - 1]);
}

function isDone(outputs: TtsOutput[], sentence: number): boolean {
  return outputs.some((o) => o.type === 'sentence_done' && o.sentence === sentence);
}

describe('DeepgramTtsProvider against the fake', () => {
  it('yields exact 160-byte mu-law frames of each sentence in order, each closed by sentence_done', async () => {
    const fake = await startFake({ speak: { chunkMs: 30 } }); // 240-byte chunks: frames straddle them
    const session = await open(providerFor(fake));
    const { outputs, done } = collect(session);
    const texts = ['Thank you for calling Bright Smiles.', 'How can I help you today?'];
    expect(texts.map((text) => session.speak(text))).toEqual([0, 1]);
    await fake.waitFor(() => isDone(outputs, 1), { what: 'both sentences done' });

    for (const output of outputs) if (output.type === 'frame') expect(output.frame.kind === 'ulaw' && output.frame.payload.length).toBe(FRAME_BYTES);
    texts.forEach((text, sentence) => expect(sentenceBytes(outputs, sentence).equals(expectedUlaw(text))).toBe(true));
    expect(order(outputs)).toEqual(['f0', 'd0', 'f1', 'd1']);
    for (let i = 1; i < outputs.length; i += 1) expect(outputs[i]!.atMs).toBeGreaterThanOrEqual(outputs[i - 1]!.atMs);

    const [connection] = fake.speakConnections();
    expect(connection!.query).toEqual({ model: VOICE, encoding: 'mulaw', sample_rate: '8000' });
    expect(connection!.flushes.map((f) => [f.text, f.outcome])).toEqual(texts.map((text) => [text, 'flushed']));
    await session.close();
    await expect(done).resolves.toBeNull();
    await fake.waitFor(() => fake.speakConnections()[0]!.closed !== null, { what: 'socket closed' });
    expect(fake.speakConnections()[0]!.controlMessages.map((m) => m.type)).toEqual(['Flush', 'Flush', 'Close']);
    expect(fake.violations).toEqual([]);
  });

  it('completes empty sentences in their place and splits texts over 2000 characters into several Speak messages', async () => {
    const fake = await startFake({ speak: { msPerCharacter: 1 } });
    const session = await open(providerFor(fake));
    const { outputs } = collect(session);
    const long = `${'word '.repeat(450)}end.`;
    session.speak('Hi.');
    session.speak('   ');
    session.speak(long);
    await fake.waitFor(() => isDone(outputs, 2), { what: 'three sentences done' });
    expect(order(outputs)).toEqual(['f0', 'd0', 'd1', 'f2', 'd2']);
    const [connection] = fake.speakConnections();
    expect(connection!.texts.map((t) => t.text.length)).toEqual([3, 2000, long.length - 2000]);
    expect(connection!.flushes.map((f) => f.text)).toEqual(['Hi.', long]);
    expect(speakPieces('abc def', 4)).toEqual(['abc ', 'def']);
    expect(speakPieces('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
  });

  it('clear() stops every earlier sentence at once; sentences spoken after it still come', async () => {
    const fake = await startFake({ speak: { realTimeFactor: 1 } });
    const session = await open(providerFor(fake));
    const { outputs } = collect(session);
    session.speak('This is a long answer that the caller is about to interrupt, right in the middle of it.');
    session.speak('And this one was queued behind it.');
    await fake.waitFor(() => outputs.filter((o) => o.type === 'frame').length >= 5, { what: 'the first frames' });
    session.clear();
    const atClear = outputs.length;
    fake.setSpeakKnobs({ realTimeFactor: 0 });
    expect(session.speak(' ')).toBe(2); // before Cleared arrives: done at once, in its place
    expect(session.speak('Sure, go ahead.')).toBe(3);
    await fake.waitFor(() => isDone(outputs, 3), { what: 'the sentences after clear' });
    const after = outputs.slice(atClear);
    expect(order(after)).toEqual(['d2', 'f3', 'd3']);
    expect(outputs.some((o) => o.type === 'sentence_done' && o.sentence < 2)).toBe(false);
    expect(sentenceBytes(outputs, 3).equals(expectedUlaw('Sure, go ahead.'))).toBe(true);
    expect(fake.flushes().map((f) => f.outcome)).toEqual(['cleared', 'cleared', 'flushed']);
    expect(fake.speakConnections()[0]!.clears).toBe(1);
  });

  it('fails the output with a retryable ProviderError when the stream breaks mid-sentence', async () => {
    const fake = await startFake();
    fake.failNextSpeakStream({ afterChunks: 2, mode: 'close' });
    const session = await open(providerFor(fake));
    const { outputs, done } = collect(session);
    session.speak('This sentence will not finish.');
    const error = await done;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'tts', vendor: 'deepgram', code: 'connection', retryable: true });
    expect((error as Error).message).toMatch(/^deepgram tts: socket closed by the service \(1011: /);
    expect(outputs.filter((o) => o.type === 'frame').length).toBeLessThanOrEqual(2);
    expect(outputs.some((o) => o.type === 'sentence_done')).toBe(false);

    fake.failNextSpeakStream({ afterChunks: 0, mode: 'destroy' });
    const second = await open(providerFor(fake));
    const broken = collect(second);
    second.speak('This one breaks too.');
    expect(await broken.done).toMatchObject({ name: 'ProviderError', code: 'connection', retryable: true });
    expect(second.speak('Spoken after the failure.')).toBe(1);
  });

  it('fails when a sentence gets no audio within firstAudioTimeoutMs', async () => {
    const fake = await startFake({ speak: { firstAudioLatencyMs: 1_000 } });
    const session = await open(providerFor(fake, { timeouts: { firstAudioTimeoutMs: 120 } }));
    const { done } = collect(session);
    session.speak('Hello.');
    const error = await done;
    expect(error).toMatchObject({ name: 'ProviderError', code: 'timeout', retryable: true });
    expect((error as Error).message).toBe('deepgram tts: no audio for sentence 0 within 120 ms');
  });

  it('refuses a wrong key from open() (retryable false, no key in the message) and probes with GET /v1/projects', async () => {
    const fake = await startFake();
    const error = await open(providerFor(fake, { apiKey: WRONG_KEY })).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'tts', vendor: 'deepgram', code: 'auth', retryable: false, status: 401 });
    expect((error as Error).message).not.toContain(WRONG_KEY);
    expect(fake.handshakes().map((h) => [h.path, h.status])).toEqual([['/v1/speak', 401]]);

    await providerFor(fake).probe(new AbortController().signal);
    const refused = await providerFor(fake, { apiKey: WRONG_KEY }).probe(new AbortController().signal).then(() => null, (e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ProviderError', provider: 'tts', code: 'auth', retryable: false });
    expect((refused as Error).message).not.toContain(WRONG_KEY);
  });

  it('ends the output quietly on close() or when the signal aborts', async () => {
    const fake = await startFake({ speak: { realTimeFactor: 1 } });
    const abort = new AbortController();
    const session = await open(providerFor(fake), abort.signal);
    const { outputs, done } = collect(session);
    session.speak('A sentence that is cut by the end of the call.');
    await fake.waitFor(() => outputs.length >= 2, { what: 'some frames' });
    abort.abort();
    await expect(done).resolves.toBeNull();
    await fake.waitFor(() => fake.speakConnections()[0]!.closed !== null, { what: 'socket closed' });
    await session.close(); // idempotent
  });
});
