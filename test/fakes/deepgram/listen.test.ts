// The Deepgram live-transcription fake driven by the real @deepgram/sdk (listen v1 socket).

import { DeepgramClient, type Deepgram } from '@deepgram/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDeepgram, NO_AUDIO_CLOSE_REASON, type FakeDeepgramOptions } from './index.js';
import { callerSpeechSlin16OneSecond, callerSpeechUlaw } from '../../kit/reference-media.js';

const CALLER_SPEECH_ULAW = callerSpeechUlaw();
const CALLER_SPEECH_S16BE_16K = callerSpeechSlin16OneSecond();
const ULAW_SILENCE = 0xff;
const FRAME_BYTES_ULAW = 160;

type ListenArgs = Parameters<DeepgramClient['listen']['v1']['connect']>[0];
type ListenMessage = Deepgram.listen.ListenV1Results | Deepgram.listen.ListenV1Metadata | Deepgram.listen.ListenV1UtteranceEnd | Deepgram.listen.ListenV1SpeechStarted;
type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

interface ClientView {
  socket: ListenSocket;
  messages: ListenMessage[];
  events: string[];
  closeEvents: Array<{ code: number; reason: string }>;
  errors: string[];
}

const fakes: FakeDeepgram[] = [];
const sockets: ListenSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
  const fake = await FakeDeepgram.start(options);
  fakes.push(fake);
  return fake;
}

const PHONE_ARGS: ListenArgs = {
  model: 'nova-3',
  encoding: 'mulaw',
  sample_rate: 8000,
  interim_results: 'true',
  endpointing: 300,
  utterance_end_ms: 1000,
  vad_events: 'true',
  punctuate: 'true',
  reconnectAttempts: 0,
};

/** Creates the socket the way production code will: connect(), register handlers, connect() the socket, waitForOpen(). */
async function openListen(fake: FakeDeepgram, args: ListenArgs = PHONE_ARGS, apiKey = fake.apiKey): Promise<ClientView> {
  const client = new DeepgramClient({ apiKey, baseUrl: fake.url });
  const socket = await client.listen.v1.connect(args);
  sockets.push(socket);
  const view: ClientView = { socket, messages: [], events: [], closeEvents: [], errors: [] };
  socket.on('message', (message) => {
    view.messages.push(message);
    view.events.push(message.type);
  });
  socket.on('close', (event) => {
    view.closeEvents.push({ code: event.code, reason: event.reason });
    view.events.push(`close ${event.code}`);
  });
  socket.on('error', (error) => {
    view.errors.push(error.message);
    view.events.push('error');
  });
  socket.connect();
  await socket.waitForOpen();
  return view;
}

function sendInFrames(socket: ListenSocket, audio: Buffer, frameBytes: number): void {
  for (let offset = 0; offset < audio.length; offset += frameBytes) socket.sendMedia(audio.subarray(offset, offset + frameBytes));
}

function results(view: ClientView): Deepgram.listen.ListenV1Results[] {
  return view.messages.filter((m): m is Deepgram.listen.ListenV1Results => m.type === 'Results');
}

function transcriptOf(result: Deepgram.listen.ListenV1Results): string {
  return result.channel.alternatives[0]?.transcript ?? '';
}

describe('Deepgram fake: live transcription with the real SDK', () => {
  it('turns the recorded caller speech, sent fast in 20 ms frames, into SpeechStarted, interim and final Results and UtteranceEnd', async () => {
    const fake = await startFake();
    fake.queueTranscripts(['I would like to book an appointment.', 'Tomorrow morning if possible.']);
    const view = await openListen(fake);

    sendInFrames(view.socket, CALLER_SPEECH_ULAW, FRAME_BYTES_ULAW);
    sendInFrames(view.socket, Buffer.alloc(FRAME_BYTES_ULAW * 75, ULAW_SILENCE), FRAME_BYTES_ULAW); // 1.5 s of silence
    view.socket.sendKeepAlive({ type: 'KeepAlive' });
    await fake.waitFor(() => view.events.includes('UtteranceEnd'), { what: 'UtteranceEnd at the client' });

    // The recording has a 0.42 s pause at 3.06 s: with endpointing=300 it holds two utterances.
    const finals = results(view).filter((r) => r.is_final);
    expect(finals.map(transcriptOf)).toEqual(['I would like to book an appointment.', 'Tomorrow morning if possible.']);
    expect(finals.every((r) => r.speech_final === true && r.from_finalize === false)).toBe(true);
    const interims = results(view).filter((r) => !r.is_final);
    expect(interims.length).toBeGreaterThanOrEqual(3);
    for (const interim of interims) {
      const next = finals.find((f) => f.start === interim.start)!;
      expect(transcriptOf(next).startsWith(transcriptOf(interim))).toBe(true);
      expect(interim.speech_final).toBe(false);
    }
    expect(view.events[0]).toBe('SpeechStarted');
    expect(view.events.indexOf('UtteranceEnd')).toBeGreaterThan(view.events.lastIndexOf('Results'));
    expect(view.events.filter((type) => type === 'SpeechStarted')).toHaveLength(2);

    // Timing is audio time: speech starts at 0.02 s and 3.48 s, segments tile the stream.
    const speechStarts = view.messages.filter((m): m is Deepgram.listen.ListenV1SpeechStarted => m.type === 'SpeechStarted');
    expect(speechStarts.map((m) => m.timestamp)).toEqual([0.02, 3.48]);
    expect(finals[0]!.start).toBe(0);
    expect(finals[1]!.start).toBeCloseTo(finals[0]!.start + finals[0]!.duration, 3);
    const words = finals[1]!.channel.alternatives[0]!.words;
    expect(words.map((w) => w.punctuated_word)).toEqual(['Tomorrow', 'morning', 'if', 'possible.']);
    expect(words.map((w) => w.word)).toEqual(['tomorrow', 'morning', 'if', 'possible']);
    expect(words[0]!.start).toBe(3.48);
    expect(words.at(-1)!.end).toBe(6);
    const utteranceEnd = view.messages.find((m): m is Deepgram.listen.ListenV1UtteranceEnd => m.type === 'UtteranceEnd')!;
    expect(utteranceEnd).toEqual({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 6 });
    expect(finals[0]!.metadata.model_info.arch).toBe('nova-3');

    view.socket.sendCloseStream({ type: 'CloseStream' });
    await fake.waitFor(() => view.closeEvents.length > 0, { what: 'close after CloseStream' });
    const metadata = view.messages.at(-1) as Deepgram.listen.ListenV1Metadata;
    expect(metadata.type).toBe('Metadata');
    expect(metadata.duration).toBe(7.5);
    expect(view.closeEvents).toEqual([{ code: 1000, reason: '' }]);

    const [connection] = fake.connections();
    expect(connection!.query).toMatchObject({ model: 'nova-3', encoding: 'mulaw', sample_rate: '8000', endpointing: '300', utterance_end_ms: '1000', vad_events: 'true', interim_results: 'true' });
    expect(connection!.audioBytes).toBe(CALLER_SPEECH_ULAW.length + FRAME_BYTES_ULAW * 75);
    expect(connection!.audioChunks).toBe(375);
    expect(connection!.keepAlives).toBe(1);
    expect(connection!.controlMessages.map((m) => m.type)).toEqual(['KeepAlive', 'CloseStream']);
    const [handshake] = fake.handshakes();
    expect(handshake!.status).toBe(101);
    expect(handshake!.headers['x-deepgram-session-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(fake.handshakes())).not.toContain(fake.apiKey);
    const recorded = fake.finals();
    expect(recorded.map((f) => f.transcript)).toEqual(finals.map(transcriptOf));
    for (const final of recorded) {
      expect(final.speechEndArrivedAtMs!).toBeLessThanOrEqual(final.decidedAtMs);
      expect(final.decidedAtMs).toBeLessThanOrEqual(final.sentAtMs);
    }
    expect(fake.pendingTranscripts()).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('recognises linear16 audio the same way and answers Finalize with a from_finalize final', async () => {
    const fake = await startFake();
    fake.queueTranscripts(['Hello there.']);
    const view = await openListen(fake, { model: 'nova-3', encoding: 'linear16', sample_rate: 16000, interim_results: 'false', endpointing: 'false', vad_events: 'true', reconnectAttempts: 0 });
    const littleEndian = Buffer.from(CALLER_SPEECH_S16BE_16K);
    littleEndian.swap16();
    sendInFrames(view.socket, littleEndian, 641); // odd sizes: samples split across messages
    await fake.waitFor(() => view.events.includes('SpeechStarted'), { what: 'SpeechStarted' });
    expect(results(view)).toEqual([]); // endpointing=false, no interim results: nothing until Finalize

    view.socket.sendFinalize({ type: 'Finalize' });
    await fake.waitFor(() => results(view).length === 1, { what: 'the Finalize result' });
    const [final] = results(view);
    expect(final).toMatchObject({ is_final: true, from_finalize: true, start: 0, duration: 1 });
    expect(transcriptOf(final!)).toBe('Hello there.');
    expect(final!.channel.alternatives[0]!.words[0]).not.toHaveProperty('punctuated_word');
    expect(fake.connections()[0]!.audioSeconds).toBe(1);
    expect(fake.violations).toEqual([]);
  });

  it('sends an empty final for a Finalize with nothing pending and an empty transcript when the script runs out', async () => {
    const fake = await startFake();
    const view = await openListen(fake);
    view.socket.sendFinalize({ type: 'Finalize' });
    await fake.waitFor(() => results(view).length === 1, { what: 'empty Finalize result' });
    expect(results(view)[0]).toMatchObject({ is_final: true, speech_final: false, from_finalize: true, duration: 0 });
    sendInFrames(view.socket, CALLER_SPEECH_ULAW.subarray(0, 8000), FRAME_BYTES_ULAW);
    sendInFrames(view.socket, Buffer.alloc(8000, ULAW_SILENCE), FRAME_BYTES_ULAW);
    await fake.waitFor(() => fake.finals().length === 2, { what: 'the unscripted final' });
    expect(fake.finals()[1]).toMatchObject({ transcript: '', scripted: false, speechFinal: true });
  });

  it('delays every message by resultLatencyMs', async () => {
    const fake = await startFake({ listen: { resultLatencyMs: 120 } });
    fake.queueTranscripts(['One.']);
    const observed: string[] = [];
    const unsubscribe = fake.onFinal((record) => observed.push(record.transcript));
    const view = await openListen(fake);
    sendInFrames(view.socket, CALLER_SPEECH_ULAW.subarray(0, 4000), FRAME_BYTES_ULAW);
    sendInFrames(view.socket, Buffer.alloc(4000, ULAW_SILENCE), FRAME_BYTES_ULAW);
    await fake.waitFor(() => results(view).some((r) => r.is_final), { what: 'the final' });
    const [final] = fake.finals();
    expect(final!.sentAtMs - final!.decidedAtMs).toBeGreaterThanOrEqual(119);
    expect(observed).toEqual(['One.']);
    unsubscribe();
  });

  it('refuses a wrong key with 401 before the upgrade; the SDK reports close 1000 then the error', async () => {
    const fake = await startFake();
    const client = new DeepgramClient({ apiKey: 'wrong-key', baseUrl: fake.url });
    const socket = await client.listen.v1.connect(PHONE_ARGS);
    sockets.push(socket);
    const events: string[] = [];
    socket.on('close', (event) => events.push(`close ${event.code}`));
    socket.on('error', (error) => events.push(`error ${error.message}`));
    socket.connect();
    const failure = await socket.waitForOpen().then(() => null, (error: unknown) => error as { message?: string });
    expect(failure?.message).toBe('Unexpected server response: 401');
    expect(events).toEqual(['close 1000', 'error Unexpected server response: 401']);
    expect(fake.handshakes().map((h) => h.status)).toEqual([401]);
    expect(fake.connections()).toEqual([]);
  });

  it('refuses bad query parameters with 400 and injected failures with their status', async () => {
    const fake = await startFake();
    const bad = await openListen(fake, { model: 'nova-3', encoding: 'mulaw', reconnectAttempts: 0 }).then(() => null, (error: { message?: string }) => error.message);
    expect(bad).toBe('Unexpected server response: 400');
    fake.failNextConnect({ status: 503, path: 'listen' });
    const unavailable = await openListen(fake).then(() => null, (error: { message?: string }) => error.message);
    expect(unavailable).toBe('Unexpected server response: 503');
    const view = await openListen(fake);
    expect(view.socket.readyState).toBe(1);
    expect(fake.handshakes().map((h) => h.status)).toEqual([400, 503, 101]);
  });

  it('closes with 1011 on dropAll, with 1006 when abrupt, and after dropConnectionsAfterMs', async () => {
    const fake = await startFake();
    const first = await openListen(fake);
    fake.dropAll();
    await fake.waitFor(() => first.closeEvents.length > 0, { what: 'close after dropAll' });
    expect(first.closeEvents[0]!.code).toBe(1011);
    expect(first.closeEvents[0]!.reason).toMatch(/^NET-0000/);
    expect(first.socket.readyState).toBe(3);

    const second = await openListen(fake);
    fake.dropAll({ abrupt: true });
    await fake.waitFor(() => second.closeEvents.length > 0, { what: 'close after an abrupt drop' });
    expect(second.closeEvents[0]!.code).toBe(1006);

    fake.dropConnectionsAfterMs(50);
    const third = await openListen(fake);
    await fake.waitFor(() => third.closeEvents.length > 0, { what: 'scheduled drop' });
    expect(third.closeEvents[0]!.code).toBe(1011);
    expect(fake.connections().map((c) => c.closed?.by)).toEqual(['server', 'server', 'server']);
  });

  it('dropNextConnection drops the next connection after N messages, or after N ms, once each', async () => {
    const fake = await startFake();
    fake.queueTranscripts(['I would like to book an appointment.']);
    fake.dropNextConnection({ path: 'listen', afterMessages: 2 });
    fake.dropNextConnection({ path: 'speak', afterMs: 10 });
    fake.dropNextConnection({ path: 'listen', afterMs: 50, abrupt: true });
    const first = await openListen(fake);
    sendInFrames(first.socket, CALLER_SPEECH_ULAW, FRAME_BYTES_ULAW);
    await fake.waitFor(() => first.closeEvents.length > 0, { what: 'the drop after two messages' });
    expect(first.events.slice(0, 3)).toEqual(['SpeechStarted', 'Results', 'close 1011']);
    expect(fake.connections()[0]!.sent).toHaveLength(2);

    const second = await openListen(fake);
    await fake.waitFor(() => second.closeEvents.length > 0, { what: 'the drop after 50 ms' });
    expect(second.closeEvents[0]!.code).toBe(1006);
    // One-shot: the next connection stays up.
    const third = await openListen(fake);
    third.socket.sendMedia(Buffer.alloc(1_600, ULAW_SILENCE));
    await fake.waitFor(() => fake.connections()[2]!.audioBytes === 1_600, { what: 'audio on the third connection' });
    expect(third.closeEvents).toEqual([]);
    expect(() => fake.dropNextConnection({ path: 'listen' })).toThrow(/afterMs or afterMessages/);
  });

  it('closes an idle stream with Metadata then 1011 NET-0001; KeepAlive keeps it open', async () => {
    const fake = await startFake({ listen: { noAudioTimeoutMs: 300 } });
    const view = await openListen(fake);
    await fake.waitFor(() => view.closeEvents.length > 0, { what: 'idle timeout close' });
    expect(view.events).toEqual(['Metadata', 'close 1011']);
    expect(view.closeEvents[0]!.reason).toBe(NO_AUDIO_CLOSE_REASON);

    const kept = await openListen(fake);
    const keepAlive = setInterval(() => kept.socket.sendKeepAlive({ type: 'KeepAlive' }), 50);
    try {
      await fake.waitFor(() => fake.connections()[1]!.keepAlives >= 10, { what: 'ten KeepAlives, 500 ms' });
      expect(kept.closeEvents).toEqual([]);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
