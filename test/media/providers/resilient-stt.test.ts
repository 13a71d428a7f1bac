// The call's STT stream that survives dropped sockets, with the real Deepgram
// client against the Deepgram fake. Audio is sent faster than real time on a
// virtual call clock (20 ms per frame): the fake recognizes on audio time.
import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramSttProvider } from '../../../media/providers/deepgram-stt.js';
import { openResilientStt } from '../../../media/providers/resilient-stt.js';
import type { SttEvent, SttStream } from '../../../media/providers/types.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { callerUtterancesUlaw } from '../../kit/reference-media.js';
import { waitUntil } from '../../kit/wait.js';

/** The first utterance of the recording (the pause after it starts at 3.06 s). */
const UTTERANCE = callerUtterancesUlaw().first;
const FRAME = 160;
const SILENCE = Buffer.alloc(FRAME, 0xff);
const FAST = { backoffMs: [0, 10, 10], perWindow: 5, windowMs: 60_000 };

let fake: FakeDeepgram | null = null;
let stream: SttStream | null = null;
afterEach(async () => {
  await stream?.close();
  await fake?.close();
  stream = null;
  fake = null;
});

async function start() {
  fake = await FakeDeepgram.start({ listen: { resultLatencyMs: 0 } });
  let clockMs = 10_000;
  const reconnects: unknown[] = [];
  const call = new AbortController();
  stream = await openResilientStt({
    provider: new DeepgramSttProvider({ apiKey: fake.apiKey, baseUrl: fake.url }),
    stream: { encoding: 'mulaw', sampleRate: 8000, language: 'en-US', endpointingMs: 300, utteranceEndMs: 1000 },
    signal: call.signal,
    now: () => clockMs,
    policy: FAST,
    onReconnect: (cause) => reconnects.push(cause),
  });
  const events: SttEvent[] = [];
  const done = (async () => {
    for await (const event of stream.events) events.push(event);
    return null;
  })().catch((error: unknown) => error);
  const live = stream;
  return {
    fake,
    events,
    done,
    reconnects,
    /** Call time of the next frame. */
    get clockMs() {
      return clockMs;
    },
    send(audio: Uint8Array): void {
      for (let offset = 0; offset + FRAME <= audio.length; offset += FRAME) {
        live.send(audio.subarray(offset, offset + FRAME));
        clockMs += 20;
      }
    },
    silence(ms: number): void {
      for (let i = 0; i < ms / 20; i += 1) {
        live.send(SILENCE);
        clockMs += 20;
      }
    },
  };
}

const finals = (events: SttEvent[]) => events.filter((e): e is Extract<SttEvent, { type: 'final' }> => e.type === 'final');

describe('openResilientStt', () => {
  it('opens a stream again after a drop in silence, and what is said next is transcribed once', async () => {
    const t = await start();
    t.silence(1_000);
    t.fake.dropAll({ path: 'listen', code: 1011 });
    await waitUntil(() => t.fake.connections().length === 2, { what: 'the new stream' });
    t.fake.queueTranscripts(['When do you open?']);
    const spokeAtMs = t.clockMs;
    t.send(UTTERANCE);
    t.silence(1_500);
    await waitUntil(() => finals(t.events).length === 1, { what: 'the final' });
    expect(finals(t.events)[0]!.text).toBe('When do you open?');
    expect(t.reconnects).toHaveLength(1);
    // The new stream got the last few hundred ms again, not the whole second of silence.
    const replayedSeconds = t.fake.connections()[1]!.audioSeconds - (UTTERANCE.length + 1_500 * 8) / 8000;
    expect(replayedSeconds).toBeGreaterThanOrEqual(0.3);
    expect(replayedSeconds).toBeLessThan(0.5);
    // Audio times are on the call's clock: the speech starts within the utterance as sent.
    expect(finals(t.events)[0]!.audioStartMs).toBeGreaterThanOrEqual(spokeAtMs);
    expect(finals(t.events)[0]!.audioEndMs).toBeLessThanOrEqual(spokeAtMs + 3_060);
  });

  it('a drop mid-utterance neither loses nor repeats the transcript in flight', async () => {
    const t = await start();
    t.fake.queueTranscripts(['I would like to book a cleaning for next Tuesday.']);
    t.silence(200);
    const spokeAtMs = t.clockMs;
    t.send(UTTERANCE.subarray(0, 1_600 * 8));
    await waitUntil(() => t.events.some((e) => e.type === 'interim'), { what: 'words heard before the drop' });
    t.fake.dropAll({ path: 'listen', code: 1011 });
    t.send(UTTERANCE.subarray(1_600 * 8));
    await waitUntil(() => t.fake.connections().length === 2, { what: 'the new stream' });
    t.silence(1_500);
    await waitUntil(() => finals(t.events).length === 1, { what: 'the final' });
    t.silence(1_500);
    await waitUntil(() => t.events.some((e) => e.type === 'utterance_end'), { what: 'the end of the utterance' });
    expect(finals(t.events).map((e) => e.text)).toEqual(['I would like to book a cleaning for next Tuesday.']);
    expect(t.fake.finals()).toHaveLength(1);
    expect(t.fake.connections()[0]!.finals).toEqual([]);
    // The new stream heard the utterance from its start.
    expect(finals(t.events)[0]!.audioStartMs).toBeLessThan(spokeAtMs + 400);
    expect(t.fake.pendingTranscripts()).toEqual([]);
  });

  it('does not repeat a final when the replay reaches back over it', async () => {
    const t = await start();
    t.fake.queueTranscripts(['Hello.', 'Goodbye.']);
    t.send(UTTERANCE);
    t.silence(320);
    await waitUntil(() => finals(t.events).length === 1, { what: 'the first final' });
    t.fake.dropAll({ path: 'listen', code: 1011 });
    await waitUntil(() => t.fake.connections().length === 2, { what: 'the new stream' });
    t.silence(2_000);
    expect(finals(t.events).map((e) => e.text)).toEqual(['Hello.']);
    expect(t.fake.pendingTranscripts()).toEqual(['Goodbye.']);
  });

  it('gives up with the failure when the service stays down', async () => {
    const t = await start();
    for (let i = 0; i < FAST.backoffMs.length; i += 1) t.fake.failNextConnect({ status: 503, path: 'listen' });
    t.fake.dropAll({ path: 'listen', code: 1011 });
    const error = await t.done;
    expect(String(error)).toMatch(/deepgram stt: handshake refused with HTTP 503/);
    expect(t.reconnects).toEqual([]);
  });

  it('gives up at once on a failure no new stream can fix', async () => {
    const t = await start();
    t.fake.dropAll({ path: 'listen', code: 1008, reason: 'audio cannot be decoded' });
    expect(String(await t.done)).toMatch(/1008/);
    expect(t.fake.connections()).toHaveLength(1);
  });
});
