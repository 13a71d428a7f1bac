// The self-hosted speech-to-text stream against the OpenAI fake's
// transcription endpoint, through the real openai SDK: utterances cut by the
// VAD and posted as WAV, events shaped like Deepgram's, failures and aborts.
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../media/providers/provider-error.js';
import { SelfHostedSttProvider, transcriptionLanguage } from '../../../media/providers/self-hosted-stt.js';
import type { SttEvent, SttStream } from '../../../media/providers/types.js';
import { callerUtterancesUlaw } from '../../kit/reference-media.js';
import { waitUntil } from '../../kit/wait.js';
import { FakeOpenAI } from '../../fakes/openai/index.js';

let fake: FakeOpenAI | null = null;
let stream: SttStream | null = null;
afterEach(async () => {
  await stream?.close();
  stream = null;
  await fake?.close();
  fake = null;
});

const SILENCE = new Uint8Array(160).fill(0xff);

async function open(options: { retries?: number } = {}): Promise<{ events: SttEvent[]; failure: () => unknown; controller: AbortController }> {
  fake = await FakeOpenAI.start();
  const provider = new SelfHostedSttProvider({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'Systran/faster-whisper-small', retryBackoffMs: 1, ...options });
  const controller = new AbortController();
  stream = await provider.open({ encoding: 'mulaw', sampleRate: 8000, language: 'en-US', endpointingMs: 300, utteranceEndMs: 1000, signal: controller.signal });
  const events: SttEvent[] = [];
  let failure: unknown = null;
  void (async () => {
    try {
      for await (const event of stream.events) events.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  return { events, failure: () => failure, controller };
}

function send(audio: Uint8Array): void {
  for (let i = 0; i + 160 <= audio.length; i += 160) stream!.send(audio.subarray(i, i + 160));
}

function silence(ms: number): void {
  for (let i = 0; i < ms / 20; i += 1) stream!.send(SILENCE);
}

describe('the self-hosted STT stream', () => {
  it('posts each utterance as an 8 kHz WAV and reports speech start, final and utterance end', async () => {
    const { events } = await open();
    fake!.queueTranscriptions('I would like to book a cleaning.');
    silence(400);
    send(callerUtterancesUlaw().first);
    silence(600);
    await waitUntil(() => events.some((e) => e.type === 'utterance_end'), { what: 'the utterance end' });
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'final', 'utterance_end']);
    const final = events[1] as Extract<SttEvent, { type: 'final' }>;
    expect(final).toMatchObject({ text: 'I would like to book a cleaning.', speechFinal: true });
    // Audio times: ms since the stream's first frame, the pre-roll before the onset included.
    expect(final.audioStartMs).toBeGreaterThanOrEqual(100);
    expect(final.audioStartMs).toBeLessThan((events[0] as { audioMs: number }).audioMs);
    const [request] = fake!.transcriptionRequests();
    expect(request!.body).toMatchObject({ model: 'Systran/faster-whisper-small', language: 'en', responseFormat: 'json', sampleRate: 8000, fileType: 'audio/wav' });
    expect((request!.body as { durationMs: number }).durationMs).toBeCloseTo(final.audioEndMs - final.audioStartMs, -1);
    expect(fake!.violations).toEqual([]);
  });

  it('a server that keeps failing fails the stream with a clear, non-retryable error after the retries', async () => {
    const { failure } = await open({ retries: 2 });
    fake!.setTranscriptionOutage({ status: 503, message: 'model is loading' });
    send(callerUtterancesUlaw().first);
    silence(600);
    await waitUntil(() => failure() !== null, { what: 'the stream to fail' });
    const error = failure() as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'stt', vendor: 'self-hosted', code: 'server', retryable: false, status: 503 });
    expect(error.message).toMatch(/^self-hosted stt: transcription failed with HTTP 503/);
    expect(error.message).not.toContain(fake!.apiKey);
    expect(fake!.transcriptionRequests()).toHaveLength(3);
  });

  it('hang-up aborts the request in flight', async () => {
    const { events } = await open();
    fake!.failNextTranscription({ hang: true });
    send(callerUtterancesUlaw().first);
    silence(600);
    await fake!.waitFor(() => fake!.transcriptionRequests().length === 1, { what: 'the request' });
    await stream!.close();
    await fake!.waitFor(() => fake!.transcriptionRequests()[0]!.outcome === 'hung');
    expect(events.filter((e) => e.type === 'final')).toEqual([]);
    stream = null;
  });

  it('takes the ISO-639-1 code of a BCP-47 language', () => {
    expect(transcriptionLanguage('en-US')).toBe('en');
    expect(transcriptionLanguage('pt_BR')).toBe('pt');
    expect(transcriptionLanguage('DE')).toBe('de');
  });
});
