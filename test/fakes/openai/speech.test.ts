// The OpenAI speech fake driven by the real `openai` SDK (audio.speech.create).

import OpenAI, { AuthenticationError, BadRequestError, InternalServerError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { speechDurationMs } from '../deepgram/index.js';
import { FakeOpenAI, SPEECH_SAMPLE_RATE, type FakeOpenAIOptions } from './index.js';

const fakes: FakeOpenAI[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = await FakeOpenAI.start(options);
  fakes.push(fake);
  return fake;
}

function clientFor(fake: FakeOpenAI, apiKey = fake.apiKey): OpenAI {
  return new OpenAI({ apiKey, baseURL: fake.baseURL, maxRetries: 0 });
}

/** Reads a streamed body chunk by chunk, as a playout pipeline would. */
async function readChunks(response: Response): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(Buffer.from(value));
  }
}

function pcmRms(pcm: Buffer, startSample: number, endSample: number): number {
  let sum = 0;
  for (let i = startSample; i < endSample; i += 1) sum += pcm.readInt16LE(2 * i) ** 2;
  return Math.sqrt(sum / (endSample - startSample));
}

describe('OpenAI fake: speech with the real SDK', () => {
  it('streams 24 kHz PCM16 of the text duration with response_format pcm', async () => {
    const fake = await startFake();
    const input = 'Thank you for calling, how can I help?';
    const response = await clientFor(fake).audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input, response_format: 'pcm' });
    expect(response.headers.get('content-type')).toBe('audio/pcm');
    const chunks = await readChunks(response);
    const pcm = Buffer.concat(chunks);
    expect(pcm.length).toBe((speechDurationMs(input) * SPEECH_SAMPLE_RATE * 2) / 1000);
    const samplesPer100Ms = SPEECH_SAMPLE_RATE / 10;
    for (let start = 0; start + samplesPer100Ms <= pcm.length / 2; start += samplesPer100Ms) {
      expect(pcmRms(pcm, start, start + samplesPer100Ms), `100 ms block at sample ${start}`).toBeGreaterThan(2000);
    }
    const [recorded] = fake.speechRequests();
    expect(recorded!.body).toEqual({ model: 'gpt-4o-mini-tts', voice: 'alloy', input, response_format: 'pcm' });
    expect(recorded!).toMatchObject({ status: 200, outcome: 'completed', audioBytesSent: pcm.length });
    expect(recorded!.chunksSent).toBe(Math.ceil(pcm.length / 960)); // 20 ms chunks
    expect(recorded!.headers['accept']).toBe('application/octet-stream');
    expect(fake.violations).toEqual([]);
  });

  it('returns a WAV header before the same PCM with response_format wav', async () => {
    const fake = await startFake();
    const response = await clientFor(fake).audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Goodbye.', response_format: 'wav' });
    const wav = Buffer.from(await response.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt32LE(24)).toBe(SPEECH_SAMPLE_RATE);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    expect(wav.length - 44).toBe((speechDurationMs('Goodbye.') * SPEECH_SAMPLE_RATE * 2) / 1000);
  });

  it('paces chunks by first-byte latency and real-time factor', async () => {
    const fake = await startFake({ speech: { firstByteLatencyMs: 60, realTimeFactor: 0.25, chunkMs: 40 } });
    const response = await clientFor(fake).audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Twelve chars', response_format: 'pcm' });
    await readChunks(response);
    const [recorded] = fake.speechRequests();
    expect(recorded!.firstByteSentAtMs! - recorded!.receivedAtMs).toBeGreaterThanOrEqual(59);
    // 12 characters: 780 ms = 20 chunks of 40 ms, sent 10 ms apart.
    expect(recorded!.chunksSent).toBe(20);
    expect(recorded!.lastByteSentAtMs! - recorded!.firstByteSentAtMs!).toBeGreaterThanOrEqual(19 * 10 - 1);
  });

  it('fails the next request with a scripted status, or by dropping the connection mid-body', async () => {
    const fake = await startFake();
    fake.failNextSpeech({ status: 500, message: 'The server had an error while processing your request.' });
    const failed = await clientFor(fake).audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Hello.', response_format: 'pcm' }).then(() => null, (e: unknown) => e);
    expect(failed).toBeInstanceOf(InternalServerError);

    fake.failNextSpeech({ disconnectAfterChunks: 2 });
    const response = await clientFor(fake).audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'This answer is cut.', response_format: 'pcm' });
    const cut = await readChunks(response).then(() => null, (e: unknown) => e);
    expect(cut).toBeInstanceOf(TypeError);
    expect(fake.speechRequests().map((r) => [r.status, r.outcome, r.chunksSent])).toEqual([
      [500, 'error', 0],
      [200, 'disconnected', 2],
    ]);
  });

  it('refuses a wrong key (401) and formats the fake cannot produce (400, reported as a violation)', async () => {
    const fake = await startFake();
    const unauthorised = await clientFor(fake, 'sk-not-the-key-0000').audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Hi.' }).then(() => null, (e: unknown) => e);
    expect(unauthorised).toBeInstanceOf(AuthenticationError);
    const mp3 = await clientFor(fake).audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Hi.' }).then(() => null, (e: unknown) => e);
    expect(mp3).toBeInstanceOf(BadRequestError);
    expect(fake.violations).toEqual(["speech #2: response_format 'mp3' is not produced by the fake (pcm and wav are)"]);
  });
});
