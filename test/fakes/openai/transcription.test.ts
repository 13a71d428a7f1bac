// The fake's /v1/audio/transcriptions through the real openai SDK: the
// request checks of the API reference and the scripted answers.
import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { wavHeader } from '../../../media/recording/wav.js';
import { FakeOpenAI } from './index.js';

let fake: FakeOpenAI | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

function wav(ms: number): Buffer {
  const data = Buffer.alloc(ms * 16);
  return Buffer.concat([wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: data.length }), data]);
}

async function client(): Promise<OpenAI> {
  fake = await FakeOpenAI.start();
  return new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
}

describe('the fake transcription endpoint', () => {
  it('answers queued texts, then the transcriber, as json and text, and records what it read', async () => {
    const openai = await client();
    fake!.queueTranscriptions('Hello there.');
    fake!.transcribe((request) => `heard ${Math.round(request.durationMs!)} ms`);
    const first = await openai.audio.transcriptions.create({ file: await toFile(wav(500), 'a.wav', { type: 'audio/wav' }), model: 'whisper-1', language: 'en' });
    expect(first.text).toBe('Hello there.');
    const second = await openai.audio.transcriptions.create({ file: await toFile(wav(300), 'b.wav'), model: 'whisper-1', response_format: 'text' });
    expect(String(second).trim()).toBe('heard 300 ms');
    expect(fake!.transcriptionRequests().map((r) => r.body)).toMatchObject([
      { model: 'whisper-1', language: 'en', responseFormat: 'json', fileName: 'a.wav', sampleRate: 8000, durationMs: 500 },
      { model: 'whisper-1', language: null, responseFormat: 'text', fileName: 'b.wav' },
    ]);
    expect(fake!.violations).toEqual([]);
  });

  it.each([
    { name: 'a BCP-47 language', params: { language: 'en-US' }, file: wav(500), fileName: 'a.wav', message: "Invalid language 'en-US'. Language parameter must be specified in ISO-639-1 format." },
    { name: 'an unsupported file type', params: {}, file: wav(500), fileName: 'a.txt', message: 'Invalid file format.' },
    { name: 'audio shorter than 0.1 s', params: {}, file: wav(60), fileName: 'a.wav', message: 'Audio file is too short. Minimum audio length is 0.1 seconds.' },
    { name: 'a file that is not WAV', params: {}, file: Buffer.from('not audio at all, not even close'), fileName: 'a.wav', message: 'The audio file could not be decoded' },
    { name: 'an unknown response format', params: { response_format: 'xml' }, file: wav(500), fileName: 'a.wav', message: "Invalid value for 'response_format': 'xml'." },
  ])('refuses $name with 400', async ({ params, file, fileName, message }) => {
    const openai = await client();
    const request = openai.audio.transcriptions.create({ file: await toFile(file, fileName), model: 'whisper-1', ...params } as Parameters<typeof openai.audio.transcriptions.create>[0]);
    await expect(request).rejects.toMatchObject({ status: 400 });
    await expect(request).rejects.toThrow(message);
  });

  it('fails as scripted: one-shot errors, an outage, a dropped connection', async () => {
    const openai = await client();
    fake!.failNextTranscription({ status: 500, message: 'boom' });
    await expect(openai.audio.transcriptions.create({ file: await toFile(wav(500), 'a.wav'), model: 'whisper-1' })).rejects.toMatchObject({ status: 500 });
    fake!.setTranscriptionOutage({ disconnect: true });
    await expect(openai.audio.transcriptions.create({ file: await toFile(wav(500), 'a.wav'), model: 'whisper-1' })).rejects.toThrow(/Connection error|terminated|socket/i);
    fake!.setTranscriptionOutage(null);
    fake!.queueTranscriptions('back');
    expect((await openai.audio.transcriptions.create({ file: await toFile(wav(500), 'a.wav'), model: 'whisper-1' })).text).toBe('back');
  });
});
