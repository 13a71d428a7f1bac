// The Deepgram Aura streaming TTS fake driven by the real @deepgram/sdk (speak v1 socket).

import { DeepgramClient, type Deepgram } from '@deepgram/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDeepgram, FLUSH_LIMIT_WARNING_CODE, speechDurationMs, type FakeDeepgramOptions } from './index.js';
import { ulawToLinear } from '../shared/g711.js';

type SpeakArgs = Parameters<DeepgramClient['speak']['v1']['connect']>[0];
type SpeakSocket = Awaited<ReturnType<DeepgramClient['speak']['v1']['connect']>>;
type SpeakJson = Deepgram.speak.SpeakV1Metadata | Deepgram.speak.SpeakV1Flushed | Deepgram.speak.SpeakV1Cleared | Deepgram.speak.SpeakV1Warning;

interface SpeakView {
  socket: SpeakSocket;
  /** JSON messages and, for audio, 'audio' entries in arrival order. */
  events: string[];
  json: SpeakJson[];
  audio: Buffer[];
  closeEvents: Array<{ code: number; reason: string }>;
}

const fakes: FakeDeepgram[] = [];
const sockets: SpeakSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
  const fake = await FakeDeepgram.start(options);
  fakes.push(fake);
  return fake;
}

async function openSpeak(fake: FakeDeepgram, args: SpeakArgs, apiKey = fake.apiKey): Promise<SpeakView> {
  const client = new DeepgramClient({ apiKey, baseUrl: fake.url });
  const socket = await client.speak.v1.connect({ reconnectAttempts: 0, ...args });
  sockets.push(socket);
  const view: SpeakView = { socket, events: [], json: [], audio: [], closeEvents: [] };
  // Blobs are read asynchronously; each slot keeps its arrival position.
  let pendingReads = Promise.resolve();
  socket.on('message', (message) => {
    if (message instanceof Blob) {
      const index = view.audio.length;
      view.audio.push(Buffer.alloc(0));
      view.events.push('audio');
      pendingReads = pendingReads.then(async () => {
        view.audio[index] = Buffer.from(await message.arrayBuffer());
      });
      return;
    }
    if (typeof message === 'string') throw new Error(`unexpected text message ${message}`);
    view.json.push(message);
    view.events.push(message.type);
  });
  socket.on('close', (event) => {
    view.closeEvents.push({ code: event.code, reason: event.reason });
    view.events.push(`close ${event.code}`);
  });
  socket.connect();
  await socket.waitForOpen();
  return view;
}

function audioBytes(view: SpeakView): number {
  return view.audio.reduce((sum, chunk) => sum + chunk.length, 0);
}

function rmsOfUlaw(bytes: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 1) sum += ulawToLinear(bytes[i]!) ** 2;
  return Math.sqrt(sum / (end - start));
}

describe('Deepgram fake: Aura streaming TTS with the real SDK', () => {
  it('answers Speak + Flush with Metadata, mu-law audio of the text duration and Flushed', async () => {
    const fake = await startFake();
    const view = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    const text = 'Your appointment is booked for tomorrow at nine.';
    view.socket.sendText({ type: 'Speak', text: text.slice(0, 20) });
    view.socket.sendText({ type: 'Speak', text: text.slice(20) });
    view.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => view.events.includes('Flushed'), { what: 'Flushed' });

    const expectedBytes = (speechDurationMs(text) * 8000) / 1000; // one mu-law byte per sample
    expect(expectedBytes).toBe(text.length * 65 * 8);
    await fake.waitFor(() => audioBytes(view) === expectedBytes, { what: 'all audio bytes read' });
    expect(view.events[0]).toBe('Metadata');
    expect(view.events.at(-1)).toBe('Flushed');
    expect(view.events.filter((e) => e === 'audio')).toHaveLength(Math.ceil(expectedBytes / 160)); // 20 ms chunks
    expect(view.json[0]).toMatchObject({ type: 'Metadata', model_name: 'aura-2-thalia-en' });
    expect(view.json.at(-1)).toEqual({ type: 'Flushed', sequence_id: 0 });

    const audio = Buffer.concat(view.audio);
    for (let start = 0; start + 800 <= audio.length; start += 800) {
      expect(rmsOfUlaw(audio, start, start + 800), `100 ms block at ${start / 8} ms`).toBeGreaterThan(2000);
    }

    view.socket.sendText({ type: 'Speak', text: 'Goodbye.' });
    view.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => view.json.filter((m) => m.type === 'Flushed').length === 2, { what: 'second Flushed' });
    expect(view.json.at(-1)).toEqual({ type: 'Flushed', sequence_id: 1 });

    const [connection] = fake.speakConnections();
    expect(connection!.texts.map((t) => t.text).join('')).toBe(`${text}Goodbye.`);
    expect(connection!.flushes.map((f) => [f.sequenceId, f.text, f.outcome])).toEqual([
      [0, text, 'flushed'],
      [1, 'Goodbye.', 'flushed'],
    ]);
    expect(connection!.flushes[0]!.audioBytesSent).toBe(expectedBytes);
    expect(connection!.flushes[0]!.firstAudioSentAtMs!).toBeGreaterThanOrEqual(connection!.flushes[0]!.flushReceivedAtMs);
    expect(fake.violations).toEqual([]);
  });

  it('uses linear16 at 24 kHz by default and applies the first-audio latency', async () => {
    const fake = await startFake({ speak: { firstAudioLatencyMs: 80 } });
    const view = await openSpeak(fake, { model: 'aura-2-thalia-en' });
    view.socket.sendText({ type: 'Speak', text: 'Hi.' });
    view.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => view.events.includes('Flushed'), { what: 'Flushed' });
    const expectedBytes = (200 * 24000 * 2) / 1000; // 3 characters: the 200 ms minimum
    await fake.waitFor(() => audioBytes(view) === expectedBytes, { what: 'all audio bytes read' });
    const [flush] = fake.flushes();
    expect(flush!.firstAudioSentAtMs! - flush!.flushReceivedAtMs).toBeGreaterThanOrEqual(79);
    expect(fake.speakConnections()[0]).toMatchObject({ encoding: 'linear16', sampleRate: 24000 });
  });

  it('stops the audio at once on Clear, answers Cleared and goes on with later texts', async () => {
    const fake = await startFake({ speak: { realTimeFactor: 1, chunkMs: 20 } });
    const view = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    const longText = 'This is a long answer that the caller is about to interrupt. '.repeat(2);
    view.socket.sendText({ type: 'Speak', text: longText });
    view.socket.sendFlush({ type: 'Flush' });
    view.socket.sendText({ type: 'Speak', text: 'Queued behind it.' });
    view.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => view.events.filter((e) => e === 'audio').length >= 3, { what: 'the first audio chunks' });
    view.socket.sendClear({ type: 'Clear' });
    await fake.waitFor(() => view.events.includes('Cleared'), { what: 'Cleared' });

    const [first, second] = fake.flushes();
    expect(first!.outcome).toBe('cleared');
    expect(second!.outcome).toBe('cleared');
    expect(first!.audioBytesSent).toBeLessThan(first!.audioBytesTotal / 2);
    expect(second!.audioBytesSent).toBe(0);
    const audioBeforeCleared = view.events.indexOf('Cleared');
    expect(view.events.slice(audioBeforeCleared + 1)).not.toContain('audio');
    expect(view.json.at(-1)).toEqual({ type: 'Cleared', sequence_id: 1 });

    fake.setSpeakKnobs({ realTimeFactor: 0 });
    view.socket.sendText({ type: 'Speak', text: 'New answer.' });
    view.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => view.events.includes('Flushed'), { what: 'Flushed after Clear' });
    expect(view.json.at(-1)).toEqual({ type: 'Flushed', sequence_id: 2 });
    expect(view.events.slice(audioBeforeCleared + 1).filter((e) => e === 'audio')).toHaveLength(Math.ceil(speechDurationMs('New answer.') / 20));
  });

  it('closes at once with 1000 on Close', async () => {
    const fake = await startFake();
    const view = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    view.socket.sendClose({ type: 'Close' });
    await fake.waitFor(() => view.closeEvents.length > 0, { what: 'close after Close' });
    expect(view.closeEvents).toEqual([{ code: 1000, reason: '' }]);
  });

  it('fails a stream mid-audio with close 1011, or without a close frame (1006)', async () => {
    const fake = await startFake();
    fake.failNextSpeakStream({ afterChunks: 2, mode: 'close' });
    const closed = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    closed.socket.sendText({ type: 'Speak', text: 'This will fail.' });
    closed.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => closed.closeEvents.length > 0, { what: 'close after the failure' });
    expect(closed.events).toEqual(['Metadata', 'audio', 'audio', 'close 1011']);

    fake.failNextSpeakStream({ afterChunks: 0, mode: 'destroy' });
    const destroyed = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    destroyed.socket.sendText({ type: 'Speak', text: 'This will fail too.' });
    destroyed.socket.sendFlush({ type: 'Flush' });
    await fake.waitFor(() => destroyed.closeEvents.length > 0, { what: 'close after the destroy' });
    expect(destroyed.events).toEqual(['Metadata', 'close 1006']);
    expect(fake.flushes().map((f) => f.outcome)).toEqual(['failed', 'failed']);
  });

  it('warns past 20 Flushes in 60 s and does not process the extra one', async () => {
    const fake = await startFake();
    const view = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    for (let i = 0; i < 21; i += 1) {
      view.socket.sendText({ type: 'Speak', text: `Part ${i}.` });
      view.socket.sendFlush({ type: 'Flush' });
    }
    await fake.waitFor(() => view.events.includes('Warning'), { what: 'Warning' });
    expect(view.json.find((m) => m.type === 'Warning')).toMatchObject({ code: FLUSH_LIMIT_WARNING_CODE });
    await fake.waitFor(() => view.json.filter((m) => m.type === 'Flushed').length === 20, { what: 'twenty Flushed' });
    expect(fake.flushes()).toHaveLength(20);
  });

  it('refuses a wrong key (401) and an unsupported sample rate (400) before the upgrade', async () => {
    const fake = await startFake();
    const wrongKey = await openSpeak(fake, { model: 'aura-2-thalia-en' }, 'not-the-key').then(() => null, (error: { message?: string }) => error.message);
    expect(wrongKey).toBe('Unexpected server response: 401');
    const badRate = await openSpeak(fake, { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '24000' }).then(() => null, (error: { message?: string }) => error.message);
    expect(badRate).toBe('Unexpected server response: 400');
    expect(fake.handshakes().map((h) => [h.path, h.status])).toEqual([
      ['/v1/speak', 401],
      ['/v1/speak', 400],
    ]);
  });
});
