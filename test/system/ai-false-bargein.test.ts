// The agent is not cut off by what is not the caller talking: its own voice
// coming back from the caller's phone (echo, -18 dB after 40 ms), steady
// noise, coughs and clicks. The whole system runs (backend, gateway with its
// media thread, PostgreSQL, the protocol fakes): the echo gate is fed through
// the same rings and clocks as in production. Each answer must be heard to its
// end and stored whole, not `interrupted`.
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_UTTERANCE, GREETING, placeBridgedCall, startAiSystem, turnWhere, turnsOf, type AiSystem } from '../support/test-system.js';
import { waitUntil } from '../kit/wait.js';
import { coughsAndClicks, pinkishNoise } from '../support/line-noise.js';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

const LONG_ANSWER =
  'Our dental practice is open Monday to Friday from eight in the morning until six in the evening, ' +
  'and on Saturdays from nine until one. We are closed on Sundays and on public holidays.';
const ECHO = { gainDb: -18, delayMs: 40 };
const VOICED_RMS = 300;

type Condition = 'echo' | 'noise' | 'coughs';

describe('an AI call over a line with echo and noise', () => {
  it('is not cut off by its own echo, steady noise, coughs or clicks', async () => {
    ai = await startAiSystem();
    const { fake } = ai.system;
    ai.openai.respond(() => ({ text: LONG_ANSWER }));
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0 && t.text === GREETING, 'the greeting turn');

    const start: Record<Condition, () => void> = {
      echo: () => fake.setCallerEcho(mediaId, ECHO),
      noise: () => fake.startCallerAudio(mediaId, { payload: pinkishNoise(10_000), loop: true }),
      coughs: () => fake.startCallerAudio(mediaId, { payload: coughsAndClicks(10_000), loop: true }),
    };
    const outcomes: Record<string, { interrupted: boolean; text: string }> = {};
    for (const condition of ['echo', 'noise', 'coughs'] as const) {
      const before = (await turnsOf(ai, channelId)).length;
      ai.deepgram.queueTranscripts(['When are you open?']);
      const askedAt = performance.now();
      fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
      // The answer is heard (after the question's own audio), then the line's sound starts.
      await waitUntil(
        () => fake.rtpHeard(mediaId).some((p) => p.atMs > askedAt + FIRST_UTTERANCE.length / 8 && p.rms > VOICED_RMS),
        { what: `the answer before ${condition}`, timeoutMs: 15_000 },
      );
      start[condition]();
      const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq >= before, `the answer over ${condition}`);
      fake.setCallerEcho(mediaId, null);
      fake.stopCallerAudio(mediaId);
      outcomes[condition] = { interrupted: answer.interrupted, text: answer.text };
    }
    expect(outcomes).toEqual({
      echo: { interrupted: false, text: LONG_ANSWER },
      noise: { interrupted: false, text: LONG_ANSWER },
      coughs: { interrupted: false, text: LONG_ANSWER },
    });
    expect(ai.deepgram.violations).toEqual([]);
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
