// AiAgent on the test clock when the caller talks over the agent with word
// evidence on: the agent stops as fast as for a barge-in, and the service's
// words settle it. A backchannel ("mm-hm") resumes the answer from the start of
// the sentence being heard and is no caller turn; anything else is the
// barge-in, cut where the caller stopped hearing it.
import { describe, expect, it } from 'vitest';
import { callerVoice, harnessPerTest, type AiAgentHarness } from '../../support/doubles/ai-agent-harness.js';

const harness = harnessPerTest();

const SENTENCES = ['We offer cleanings, fillings and whitening.', 'Cleanings take about an hour.', 'Whitening is done in two visits.'];
const ANSWER = SENTENCES.join(' ');
/** Word evidence on, no early pause: every stop comes from speech that would be a barge-in. */
const WORDS = { timings: { bargeInSttEvidence: 'words', bargeInPauseMs: 0 }, framesPerWord: 4 } as const;
/** Ticks of caller voice: 300 ms, enough for a barge-in (200 ms and two voiced frames). */
const VOICE_TICKS = 15;

async function answering(h: AiAgentHarness, framesIn: number): Promise<number> {
  await h.greet();
  const rounds = h.llm.rounds.length;
  h.sttStream.final('What do you offer?', h.nowMs);
  await h.ticksUntil(() => h.llm.rounds.length > rounds, 'the LLM to be asked');
  h.llm.rounds.at(-1)!.text(`${SENTENCES[0]} `).text(`${SENTENCES[1]} `).text(`${SENTENCES[2]}`).done();
  const answerStart = h.playout.sent.length;
  await h.ticksUntil(() => h.playout.sent.length >= answerStart + framesIn, 'part of the answer to be heard');
  return answerStart;
}

/** The caller talks over the agent; returns how many frames had left when it stopped. */
async function talkOver(h: AiAgentHarness): Promise<number> {
  const clearsBefore = h.playout.clears;
  for (let i = 0; i < VOICE_TICKS; i += 1) await h.tick(callerVoice(h.ticks));
  expect(h.playout.clears).toBe(clearsBefore + 1);
  const sentAtStop = h.playout.sent.length;
  for (let i = 0; i < 5; i += 1) await h.tick();
  // Held: nothing more was heard while the words are awaited.
  expect(h.playout.sent).toHaveLength(sentAtStop);
  return sentAtStop;
}

async function nextQuestion(h: AiAgentHarness, text: string) {
  const rounds = h.llm.rounds.length;
  h.sttStream.final(text, h.nowMs);
  await h.ticksUntil(() => h.llm.rounds.length > rounds, 'the next question');
  return h.llm.rounds.at(-1)!.request.messages;
}

describe('AiAgent: backchannels over the agent', () => {
  it('"mm-hm" stops the agent, then resumes the answer: heard in full, no caller turn in the history', async () => {
    const h = harness(WORDS);
    const answerStart = await answering(h, 12);
    const sentAtStop = await talkOver(h);
    expect(h.metrics.bargeIns('paused')).toBe(1);

    h.sttStream.final('Mm-hmm.', h.nowMs);
    await h.ticksUntil(() => h.playout.sent.length > sentAtStop, 'the answer to resume', { maxTicks: 10 });
    expect(h.metrics.bargeIns('backchannel')).toBe(1);
    expect(h.metrics.bargeIns('confirmed')).toBe(0);
    // The cut sentence starts again from its first frame.
    expect(Array.from(h.playout.sent[sentAtStop]!.samples)).toEqual(Array.from(h.playout.sent[answerStart]!.samples));

    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to end', { maxTicks: 2_000 });
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: ANSWER, interrupted: false });
    expect(h.backend.turnsOf('caller').map((turn) => turn.text)).toEqual(['What do you offer?']);

    const history = await nextQuestion(h, 'And the prices?');
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['What do you offer?', 'And the prices?']);
    expect(history.slice(-2)).toEqual([
      { role: 'assistant', content: ANSWER },
      { role: 'user', content: 'And the prices?' },
    ]);
  });

  it('a backchannel does not use up the resumes a noisy line is allowed', async () => {
    const h = harness({ ...WORDS, framesPerWord: 8 });
    await answering(h, 6);
    for (let nod = 0; nod < 3; nod += 1) {
      const sentAtStop = await talkOver(h);
      h.sttStream.final(['Okay.', 'Uh-huh.', 'Yeah, right.'][nod]!, h.nowMs);
      await h.ticksUntil(() => h.playout.sent.length > sentAtStop, 'the answer to resume', { maxTicks: 10 });
    }
    expect(h.metrics.bargeIns('backchannel')).toBe(3);
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to end', { maxTicks: 4_000 });
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: ANSWER, interrupted: false });
  });

  it('words that are more than a backchannel are the barge-in: the answer is cut where the caller stopped hearing it', async () => {
    const h = harness(WORDS);
    const answerStart = await answering(h, 30);
    const sentAtStop = await talkOver(h);

    const history = await nextQuestion(h, 'Okay, and how much is whitening?');
    expect(h.metrics.bargeIns('confirmed')).toBe(1);
    expect(h.metrics.bargeIns('backchannel')).toBe(0);
    const interrupted = h.backend.turnsOf('agent')[1]!;
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.text.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text).not.toBe(ANSWER);
    expect(h.playout.sent.length).toBe(sentAtStop);
    expect(sentAtStop - answerStart).toBeGreaterThanOrEqual(30);
    expect(history.slice(-2)).toEqual([
      { role: 'assistant', content: interrupted.text },
      { role: 'user', content: 'Okay, and how much is whitening?' },
    ]);
  });

  it('words that settle a stop after the caller went quiet leave the next answer to be interrupted too', async () => {
    const h = harness(WORDS);
    await answering(h, 12);
    await talkOver(h);
    for (let i = 0; i < 20; i += 1) await h.tick();
    await nextQuestion(h, 'Sorry, what about whitening?');
    expect(h.metrics.bargeIns('confirmed')).toBe(1);
    h.llm.rounds.at(-1)!.text(`${SENTENCES[2]} `).text(`${SENTENCES[1]} `).text(`${SENTENCES[0]}`).done();
    const start = h.playout.sent.length;
    await h.ticksUntil(() => h.playout.sent.length >= start + 12, 'the next answer to be heard');
    await talkOver(h);
    for (let i = 0; i < 20; i += 1) await h.tick();
    await nextQuestion(h, 'And fillings?');
    expect(h.metrics.bargeIns('confirmed')).toBe(2);
    expect(h.backend.turnsOf('agent').filter((turn) => turn.interrupted)).toHaveLength(2);
  });

  it('words that come only after the held stop resumed (a late service) still cut the answer', async () => {
    const h = harness(WORDS);
    await answering(h, 12);
    const sentAtStop = await talkOver(h);
    await h.ticksUntil(() => h.playout.sent.length > sentAtStop, 'the answer to resume without words', { maxTicks: 100 });
    expect(h.metrics.bargeIns('resumed')).toBe(1);
    const history = await nextQuestion(h, 'Sorry, how much is whitening?');
    const interrupted = h.backend.turnsOf('agent')[1]!;
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.text).not.toBe(ANSWER);
    expect(h.metrics.bargeIns('confirmed')).toBe(1);
    expect(history.at(-1)).toEqual({ role: 'user', content: 'Sorry, how much is whitening?' });
  });

  it('a backchannel the detector did not stop for is no caller turn either', async () => {
    const h = harness(WORDS);
    await answering(h, 12);
    h.sttStream.final('Yeah.', h.nowMs);
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to end', { maxTicks: 2_000 });
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: ANSWER, interrupted: false });
    const history = await nextQuestion(h, 'And the prices?');
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['What do you offer?', 'And the prices?']);
  });

  it('a business that turns backchannels off gets the barge-in at once', async () => {
    const h = harness({ ...WORDS, agent: { engine: { name: 'cascade', backchannels: { maxWords: 0 } } } });
    await answering(h, 30);
    for (let i = 0; i < VOICE_TICKS && h.backend.turnsOf('agent').length < 2; i += 1) await h.tick(callerVoice(h.ticks));
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ interrupted: true });
    expect(h.metrics.bargeIns('paused')).toBe(0);
    expect(h.metrics.bargeIns('confirmed')).toBe(1);
  });
});
