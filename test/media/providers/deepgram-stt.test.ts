// The Deepgram STT provider (real @deepgram/sdk) against the Deepgram fake on 127.0.0.1.

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramSttProvider, type DeepgramSttOptions } from '../../../media/providers/deepgram-stt.js';
import { ProviderError } from '../../../media/providers/provider-error.js';
import type { SttEvent, SttStream, SttStreamOptions } from '../../../media/providers/types.js';
import { FakeDeepgram, type FakeDeepgramOptions } from '../../fakes/deepgram/index.js';
import { callerSpeechUlaw } from '../../kit/reference-media.js';

const CALLER_SPEECH_ULAW = callerSpeechUlaw();
const FRAME_BYTES = 160;
const SILENCE_FRAME = new Uint8Array(FRAME_BYTES).fill(0xff);
const WRONG_KEY = 'dg-wrong-0123456789abcdef0123456789abcdef';

const fakes: FakeDeepgram[] = [];
const streams: SttStream[] = [];
const servers: net.Server[] = [];

afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  for (const server of servers.splice(0)) server.close();
});

async function startFake(options: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
  const fake = await FakeDeepgram.start(options);
  fakes.push(fake);
  return fake;
}

function providerFor(fake: FakeDeepgram, options: Partial<DeepgramSttOptions> = {}): DeepgramSttProvider {
  return new DeepgramSttProvider({ apiKey: fake.apiKey, baseUrl: fake.url, ...options });
}

function streamOptions(signal: AbortSignal = new AbortController().signal): SttStreamOptions {
  return { encoding: 'mulaw', sampleRate: 8000, language: 'en-US', endpointingMs: 300, utteranceEndMs: 1000, signal };
}

async function open(provider: DeepgramSttProvider, signal?: AbortSignal): Promise<SttStream> {
  const stream = await provider.open(streamOptions(signal));
  streams.push(stream);
  return stream;
}

/** Collects events in the background; `done` settles with the error the iteration threw (null when it ended). */
function collect(stream: SttStream): { events: SttEvent[]; done: Promise<unknown> } {
  const events: SttEvent[] = [];
  const done = (async () => {
    for await (const event of stream.events) events.push(event);
    return null;
  })().catch((error: unknown) => error);
  return { events, done };
}

function sendFrames(stream: SttStream, audio: Uint8Array): void {
  for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) stream.send(audio.subarray(offset, offset + FRAME_BYTES));
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => null, (error: unknown) => error);
}

describe('DeepgramSttProvider against the fake', () => {
  it('turns the recorded caller speech into speech_started, interims, finals and utterance_end', async () => {
    const fake = await startFake();
    fake.queueTranscripts(['I would like to book an appointment.', 'Tomorrow morning if possible.']);
    const stream = await open(providerFor(fake));
    const { events, done } = collect(stream);

    sendFrames(stream, CALLER_SPEECH_ULAW);
    for (let i = 0; i < 75; i += 1) stream.send(SILENCE_FRAME); // 1.5 s of silence
    await fake.waitFor(() => events.some((e) => e.type === 'utterance_end'), { what: 'utterance_end' });

    const finals = events.filter((e): e is Extract<SttEvent, { type: 'final' }> => e.type === 'final');
    expect(finals.map((f) => [f.text, f.speechFinal])).toEqual([
      ['I would like to book an appointment.', true],
      ['Tomorrow morning if possible.', true],
    ]);
    expect(events[0]!.type).toBe('speech_started');
    expect(events.filter((e) => e.type === 'speech_started')).toHaveLength(2);
    const interims = events.filter((e): e is Extract<SttEvent, { type: 'interim' }> => e.type === 'interim');
    expect(interims.length).toBeGreaterThanOrEqual(3);
    expect(interims.every((interim) => finals.some((final) => final.text.startsWith(interim.text)))).toBe(true);
    expect(events.at(-1)!.type).toBe('utterance_end');
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.atMs).toBeGreaterThanOrEqual(events[i - 1]!.atMs);
    // Audio times (ms of the stream's audio) follow the words: the second utterance starts after the pause at 3.06 s.
    const [first, second] = fake.finals();
    expect(finals[0]!.audioStartMs).toBeCloseTo(first!.speechStartSec! * 1000, 0);
    expect(finals[0]!.audioEndMs).toBeCloseTo(first!.speechEndSec! * 1000, 0);
    expect(finals[1]!.audioStartMs).toBeGreaterThan(3_060);
    expect(finals[1]!.audioStartMs).toBeCloseTo(second!.speechStartSec! * 1000, 0);
    const started = events.filter((e): e is Extract<SttEvent, { type: 'speech_started' }> => e.type === 'speech_started');
    expect(started[1]!.audioMs).toBeGreaterThan(3_060);
    expect(started[1]!.audioMs).toBeLessThanOrEqual(finals[1]!.audioStartMs);

    await stream.close();
    await expect(done).resolves.toBeNull();
    const [connection] = fake.connections();
    expect(connection!.query).toEqual({
      model: 'nova-3',
      encoding: 'mulaw',
      sample_rate: '8000',
      language: 'en-US',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'true',
      punctuate: 'true',
    });
    expect(connection!.audioBytes).toBe(CALLER_SPEECH_ULAW.length + 75 * FRAME_BYTES);
    expect(connection!.controlMessages.map((m) => m.type)).toEqual(['CloseStream']);
    expect(connection!.closed).toMatchObject({ code: 1000 });
    expect(stream.droppedFrames).toBe(0);
    expect(fake.violations).toEqual([]);
  });

  it('delivers the last final that CloseStream flushes before the events end', async () => {
    const fake = await startFake();
    fake.queueTranscripts(['Cut short.']);
    const stream = await open(providerFor(fake));
    const { events, done } = collect(stream);
    sendFrames(stream, CALLER_SPEECH_ULAW.subarray(0, 8000)); // 1 s of speech, no silence after it
    await fake.waitFor(() => events.some((e) => e.type === 'speech_started'), { what: 'speech_started' });
    await stream.close();
    await expect(done).resolves.toBeNull();
    expect(events.filter((e) => e.type === 'final').map((e) => (e as { text: string }).text)).toEqual(['Cut short.']);
    await stream.close(); // idempotent
    stream.send(SILENCE_FRAME);
    stream.keepAlive();
    expect(stream.droppedFrames).toBe(1);
  });

  it('surfaces a dropped socket as a retryable ProviderError on events', async () => {
    const fake = await startFake();
    const stream = await open(providerFor(fake));
    const { done } = collect(stream);
    stream.send(SILENCE_FRAME);
    await fake.waitFor(() => fake.connections()[0]?.audioChunks === 1, { what: 'first frame' });
    fake.dropAll();
    const error = await done;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'stt', vendor: 'deepgram', retryable: true, code: 'connection' });
    expect((error as Error).message).toMatch(/^deepgram stt: socket closed by the service \(1011: NET-0000/);
    expect((error as Error).message).not.toContain(fake.apiKey);
    stream.send(SILENCE_FRAME);
    expect(stream.droppedFrames).toBe(1);
  });

  it('surfaces an abrupt disconnect (no close frame) the same way', async () => {
    const fake = await startFake();
    const stream = await open(providerFor(fake));
    const { done } = collect(stream);
    fake.dropAll({ abrupt: true });
    const error = await done;
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true, code: 'connection' });
    expect((error as Error).message).toContain('1006');
  });

  it('refuses a wrong key from open() with retryable false and no key in the message', async () => {
    const fake = await startFake();
    const error = await rejectionOf(open(providerFor(fake, { apiKey: WRONG_KEY })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'stt', vendor: 'deepgram', retryable: false, code: 'auth', status: 401 });
    expect((error as Error).message).toBe('deepgram stt: handshake refused with HTTP 401');
    expect(fake.handshakes().map((h) => h.status)).toEqual([401]);

    fake.failNextConnect({ status: 503, path: 'listen' });
    const unavailable = await rejectionOf(open(providerFor(fake)));
    expect(unavailable).toMatchObject({ retryable: true, code: 'server', status: 503 });
    expect(fake.handshakes().map((h) => h.status)).toEqual([401, 503]); // no reconnect attempts
  });

  it('gives up on a handshake that never completes after connectTimeoutMs', async () => {
    const server = net.createServer(() => {
      // Accepts the TCP connection and never answers the upgrade.
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const provider = new DeepgramSttProvider({ apiKey: 'dg-test-key', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeouts: { connectTimeoutMs: 150 } });
    const startedAt = performance.now();
    const error = await rejectionOf(open(provider));
    expect(error).toMatchObject({ name: 'ProviderError', code: 'timeout', retryable: true });
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it('ends events quietly when the signal aborts, and rejects open() with an already aborted signal', async () => {
    const fake = await startFake();
    const abort = new AbortController();
    const stream = await open(providerFor(fake), abort.signal);
    const { done } = collect(stream);
    abort.abort();
    await expect(done).resolves.toBeNull();
    await fake.waitFor(() => fake.connections()[0]?.closed !== null, { what: 'socket closed' });
    expect(fake.connections()[0]!.controlMessages).toEqual([]);

    const aborted = new AbortController();
    aborted.abort();
    const error = await rejectionOf(open(providerFor(fake), aborted.signal));
    expect(error).toBe(aborted.signal.reason);
    expect(fake.handshakes()).toHaveLength(1);
  });

  it('sends KeepAlive by itself when no audio went out for keepAliveAfterIdleMs', async () => {
    const fake = await startFake({ listen: { noAudioTimeoutMs: 400 } });
    const stream = await open(providerFor(fake, { timeouts: { keepAliveAfterIdleMs: 100 } }));
    const { done } = collect(stream);
    await fake.waitFor(() => (fake.connections()[0]?.keepAlives ?? 0) >= 8, { what: 'eight KeepAlives (> the 400 ms no-audio timeout)' });
    expect(fake.connections()[0]!.closed).toBeNull();
    stream.keepAlive();
    await fake.waitFor(() => fake.connections()[0]!.keepAlives >= 9, { what: 'the explicit KeepAlive' });
    await stream.close();
    await expect(done).resolves.toBeNull();
  });

  it('probes with GET /v1/projects: resolves for the key, refuses a wrong one', async () => {
    const fake = await startFake();
    await providerFor(fake).probe(new AbortController().signal);
    const error = await rejectionOf(providerFor(fake, { apiKey: WRONG_KEY }).probe(new AbortController().signal));
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'stt', code: 'auth', retryable: false, status: 401 });
    expect((error as Error).message).toBe('deepgram stt: probe refused with HTTP 401 (INVALID_AUTH)');
    fake.failNextRest({ status: 503 });
    const unavailable = await rejectionOf(providerFor(fake).probe(new AbortController().signal));
    expect(unavailable).toMatchObject({ code: 'server', retryable: true, status: 503 });
    expect(fake.restRequests().map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/v1/projects', 200],
      ['GET', '/v1/projects', 401],
      ['GET', '/v1/projects', 503],
    ]);
    expect(JSON.stringify([error, unavailable, (error as Error).message])).not.toContain(WRONG_KEY);
  });
});
