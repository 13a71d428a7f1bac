// Backchannels over the agent, through the real backend + gateway with the
// ARI, Deepgram and OpenAI fakes: the same short stretch of caller speech
// stops the agent either way; when the service's words are "mm-hm" the answer
// resumes and is stored whole with no caller turn, when they are a request the
// answer is cut and the request answered.
import { afterEach, describe, expect, it } from 'vitest';
import { SECOND_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, turnsOf, type AiSystem } from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';
import { shortUtterance } from './caller-utterances.js';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

const VOICED_RMS = 300;
const LONG_ANSWER =
  'We are open Monday to Friday from eight in the morning until six in the evening. ' +
  'On Saturdays we open at nine and close at one. We are closed on Sundays and public holidays.';

/** Where a run of 10 packets of digital silence (the agent stopped) begins after `fromMs`; null when none yet. */
function silentRunAfter(heard: readonly { atMs: number; rms: number }[], fromMs: number): number | null {
  const after = heard.filter((p) => p.atMs > fromMs);
  const start = after.findIndex((_, i) => after.length >= i + 10 && after.slice(i, i + 10).every((p) => p.rms === 0));
  return start < 0 ? null : after[start]!.atMs;
}

/** Asks, waits for the long answer to be heard, and talks over it with the short speech transcribed as `words`. */
async function talkOverAnswer(words: string): Promise<{ channelId: string; mediaId: string; talkedAt: number }> {
  ai = await startAiSystem();
  const { fake } = ai.system;
  ai.openai.queueReplies({ text: LONG_ANSWER }, { text: 'Whitening costs two hundred dollars.' });
  const { channelId, mediaId } = await placeBridgedCall(ai);
  await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
  ai.deepgram.queueTranscripts(['When are you open?', words]);
  fake.startCallerAudio(mediaId, { payload: shortUtterance(SECOND_UTTERANCE) });
  // The answer plays (not the greeting's last packets)...
  await waitUntil(() => ai!.deepgram.flushes().some((f) => LONG_ANSWER.startsWith(f.text)), { what: 'the answer sent to TTS' });
  const answerFrom = performance.now();
  await waitFor(() => fake.rtpHeard(mediaId).filter((p) => p.atMs > answerFrom && p.rms > VOICED_RMS).length >= 10 || null, { what: 'the answer being heard' });
  // ...and the caller talks over it.
  const talkedAt = performance.now();
  fake.startCallerAudio(mediaId, { payload: shortUtterance(SECOND_UTTERANCE) });
  // The agent goes quiet while the caller talks, whatever the words turn out to be.
  await waitUntil(() => silentRunAfter(fake.rtpHeard(mediaId), talkedAt) !== null, { what: 'the agent to stop for the caller' });
  return { channelId, mediaId, talkedAt };
}

describe('an AI call: the caller talks over the answer', () => {
  it('"mm-hm": the answer resumes and is stored whole; no caller turn, no second answer', async () => {
    const { channelId, mediaId, talkedAt } = await talkOverAnswer('Mm-hmm.');
    const answer = await turnWhere(ai!, channelId, (t) => t.role === 'agent' && t.seq > 0, 'the answer to end');
    expect(answer).toMatchObject({ text: LONG_ANSWER, interrupted: false });
    // It stopped for the caller and then went on.
    const heard = ai!.system.fake.rtpHeard(mediaId);
    const stoppedAt = silentRunAfter(heard, talkedAt)!;
    expect(heard.some((p) => p.atMs > stoppedAt && p.rms > VOICED_RMS)).toBe(true);
    const turns = await turnsOf(ai!, channelId);
    expect(turns.filter((t) => t.role === 'caller').map((t) => t.text)).toEqual(['When are you open?']);
    expect(ai!.openai.chatRequests()).toHaveLength(1);
  });

  it('a request: the answer is cut where the caller stopped hearing it, and the request is answered', async () => {
    const { channelId } = await talkOverAnswer('Sorry, how much is whitening?');
    const interrupted = await turnWhere(ai!, channelId, (t) => t.role === 'agent' && t.interrupted, 'the interrupted answer');
    expect(LONG_ANSWER.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(LONG_ANSWER.length);
    await turnWhere(ai!, channelId, (t) => t.role === 'agent' && t.text === 'Whitening costs two hundred dollars.', 'the next answer');
    const turns = await turnsOf(ai!, channelId);
    expect(turns.filter((t) => t.role === 'caller').map((t) => t.text)).toEqual(['When are you open?', 'Sorry, how much is whitening?']);
  });
});
