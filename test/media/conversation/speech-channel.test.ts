// The call's TTS channel with the real Deepgram client against the Deepgram
// fake: sentences as streams, a dropped session opened again with the
// unfinished sentences asked for again, a service that stays down, dropped
// sentences, and the move to a fresh session before the vendor's limit.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SpeechChannel, type SentenceAudio } from '../../../media/conversation/speech-channel.js';
import { DeepgramTtsProvider } from '../../../media/providers/deepgram-tts.js';
import { ProviderError } from '../../../media/providers/provider-error.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { waitUntil } from '../../kit/wait.js';

let deepgram: FakeDeepgram | null = null;
let call: AbortController | null = null;
afterEach(async () => {
  call?.abort();
  await deepgram?.close();
  deepgram = null;
});

/** Reconnect quickly in tests: the policy's numbers are what is under test elsewhere. */
const FAST = { backoffMs: [0, 10, 10], perWindow: 5, windowMs: 60_000 };

async function channel(options: { knobs?: Parameters<typeof FakeDeepgram.start>[0] } = {}) {
  deepgram = await FakeDeepgram.start(options.knobs ?? { speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
  call = new AbortController();
  const reconnects: unknown[] = [];
  const downs: unknown[] = [];
  const speech = new SpeechChannel({
    tts: new DeepgramTtsProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url }),
    voice: 'aura-2-thalia-en',
    signal: call.signal,
    now: () => performance.now(),
    logger: pino({ level: 'silent' }),
    policy: FAST,
    onReconnect: (cause) => reconnects.push(cause),
    onDown: (error) => downs.push(error),
  });
  await speech.start();
  return { speech, reconnects, downs, fake: deepgram };
}

async function frames(audio: SentenceAudio): Promise<number> {
  let count = 0;
  for await (const _ of audio) count += 1;
  return count;
}

/** 20 ms frames the fake's voice gives `text` (25 ms per character). */
const framesOf = (text: string): number => Math.ceil((text.length * 25) / 20);

describe('SpeechChannel', () => {
  it('gives each sentence its own stream, in order', async () => {
    const { speech, fake } = await channel();
    const signal = new AbortController().signal;
    const first = speech.say('Sure.', signal);
    const second = speech.say('We open at nine.', signal);
    expect(await frames(first)).toBeGreaterThanOrEqual(framesOf('Sure.'));
    expect(await frames(second)).toBeGreaterThanOrEqual(framesOf('We open at nine.'));
    await first.synthesized;
    expect(fake.flushes().map((f) => [f.text, f.outcome])).toEqual([
      ['Sure.', 'flushed'],
      ['We open at nine.', 'flushed'],
    ]);
  });

  it('opens a dropped session again and asks again for the sentences not fully received, in order', async () => {
    const { speech, reconnects, fake } = await channel();
    const signal = new AbortController().signal;
    fake.failNextSpeakStream({ afterChunks: 3, mode: 'destroy' });
    const cut = speech.say('This sentence is cut in the middle.', signal);
    const after = speech.say('This one never started.', signal);
    const [cutFrames, afterFrames] = await Promise.all([frames(cut), frames(after)]);
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]).toBeInstanceOf(ProviderError);
    expect(fake.speakConnections()).toHaveLength(2);
    expect(fake.speakConnections()[1]!.flushes.map((f) => [f.text, f.outcome])).toEqual([
      ['This sentence is cut in the middle.', 'flushed'],
      ['This one never started.', 'flushed'],
    ]);
    // The cut sentence is said again from its start, after the part already received.
    expect(cutFrames).toBeGreaterThanOrEqual(3 + framesOf('This sentence is cut in the middle.'));
    expect(afterFrames).toBeGreaterThanOrEqual(framesOf('This one never started.'));
  });

  it('fails the waiting sentences when the service stays down, tells its owner once, and fails later ones at once', async () => {
    const { speech, downs, fake } = await channel();
    fake.failNextSpeakStream({ afterChunks: 0, mode: 'close' });
    for (let i = 0; i < FAST.backoffMs.length; i += 1) fake.failNextConnect({ status: 503, path: 'speak' });
    const sentence = speech.say('Nobody will say this.', new AbortController().signal);
    await expect(frames(sentence)).rejects.toThrow(/deepgram tts/);
    await sentence.synthesized;
    expect(fake.handshakes().filter((h) => h.path === '/v1/speak').map((h) => h.status)).toEqual([101, 503, 503, 503]);
    expect(downs).toHaveLength(1);
    expect(downs[0]).toBeInstanceOf(ProviderError);
    // A later sentence does not wait for a session that will never come.
    const later = speech.say('Nor this.', new AbortController().signal);
    await expect(frames(later)).rejects.toThrow(/deepgram tts/);
    await later.synthesized;
    expect(fake.handshakes().filter((h) => h.path === '/v1/speak')).toHaveLength(4);
    expect(downs).toHaveLength(1);
  });

  it('closes a session that opened after the channel was closed', async () => {
    deepgram = await FakeDeepgram.start({ speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
    call = new AbortController();
    const speech = new SpeechChannel({
      tts: new DeepgramTtsProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url }),
      voice: 'aura-2-thalia-en',
      signal: call.signal,
      now: () => performance.now(),
      logger: pino({ level: 'silent' }),
    });
    const starting = speech.start();
    await speech.close();
    await starting;
    const fake = deepgram;
    await waitUntil(() => fake.speakConnections().length === 1 && fake.speakConnections()[0]!.closed !== null, { what: 'the late session to be closed' });
  });

  it('drops a sentence whose turn was cancelled, and clears the session once nothing else waits', async () => {
    const { speech, fake } = await channel({ knobs: { speak: { firstAudioLatencyMs: 200, msPerCharacter: 25 } } });
    const turn = new AbortController();
    const dropped = speech.say('Cancelled before its audio came.', turn.signal);
    await waitUntil(() => fake.flushes().length === 1, { what: 'the flush' });
    turn.abort();
    expect(await frames(dropped)).toBe(0);
    await waitUntil(() => fake.speakConnections()[0]!.clears === 1, { what: 'the Clear' });
    const next = speech.say('The next turn.', new AbortController().signal);
    expect(await frames(next)).toBeGreaterThanOrEqual(framesOf('The next turn.'));
  });

  it('moves to a fresh session between sentences before the vendor per-minute limit', async () => {
    const { speech, fake } = await channel();
    const signal = new AbortController().signal;
    // Deepgram takes 20 flushes a minute per session: after 10 a fresh one is opened while idle.
    for (let i = 0; i < 10; i += 1) await frames(speech.say(`Answer ${i}.`, signal));
    await waitUntil(() => fake.speakConnections().length === 2, { what: 'the fresh session' });
    await waitUntil(() => fake.speakConnections()[0]!.closed !== null, { what: 'the old session closed' });
    expect(await frames(speech.say('On the new one.', signal))).toBeGreaterThan(0);
    expect(fake.speakConnections()[1]!.flushes.map((f) => f.text)).toEqual(['On the new one.']);
  });
});
