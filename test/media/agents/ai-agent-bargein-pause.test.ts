// AiAgent on the test clock when the caller makes a sound over the agent: a
// short one (a cough) pauses the turn at once and, with no words and the caller
// quiet again, the turn resumes from the start of the sentence being heard, as
// if never interrupted; speech that goes on still cuts the turn. Detection
// runs on the caller's audio as it arrives, before the jitter buffer's delay.
import { describe, expect, it } from 'vitest';
import { BARGE_IN_RESUME_AFTER_MS } from '../../../media/conversation/barge-in.js';
import { MAX_RESUMES } from '../../../media/conversation/turn.js';
import { callerVoice, harnessPerTest, type AiAgentHarness } from '../../support/doubles/ai-agent-harness.js';

const harness = harnessPerTest();

const SENTENCES = ['We offer cleanings, fillings and whitening.', 'Cleanings take about an hour.', 'Whitening is done in two visits.'];
const ANSWER = SENTENCES.join(' ');
/** Ticks of caller sound in a cough: 100 ms. */
const COUGH_TICKS = 5;

/** Greets, asks, and lets the answer play until `framesIn` frames of it were heard; returns where it started in `sent`. */
async function answering(h: AiAgentHarness, framesIn: number): Promise<number> {
  await h.greet();
  const rounds = h.llm.rounds.length;
  h.sttStream.final('What do you offer?', h.nowMs);
  await h.ticksUntil(() => h.llm.rounds.length > rounds, 'the LLM to be asked');
  const round = h.llm.rounds.at(-1)!;
  round.text(`${SENTENCES[0]} `).text(`${SENTENCES[1]} `).text(`${SENTENCES[2]}`).done();
  const answerStart = h.playout.sent.length;
  await h.ticksUntil(() => h.playout.sent.length >= answerStart + framesIn, 'part of the answer to be heard');
  return answerStart;
}

function bytes(h: AiAgentHarness, from: number, count: number): number[][] {
  return h.playout.sent.slice(from, from + count).map((frame) => Array.from(frame.samples));
}

describe('AiAgent: a sound over the agent', () => {
  it('a cough pauses the turn at once; with no words it resumes from the start of the sentence, heard once in the history', async () => {
    // The first sentence lasts 24 frames: the cough comes in its middle.
    const h = harness({ framesPerWord: 4 });
    const answerStart = await answering(h, 12);
    const clearsBefore = h.playout.clears;
    for (let i = 0; i < COUGH_TICKS; i += 1) await h.tick(callerVoice(h.ticks));
    // Stopped within the cough: the queue was cleared and nothing more leaves.
    expect(h.playout.clears).toBe(clearsBefore + 1);
    expect(h.playout.queuedFrames).toBe(0);
    const sentAtPause = h.playout.sent.length;
    const heardBeforePause = sentAtPause - answerStart;
    expect(heardBeforePause).toBeLessThan(12 + COUGH_TICKS);
    for (let i = 0; i < 10; i += 1) await h.tick();
    expect(h.playout.sent).toHaveLength(sentAtPause);

    // Quiet again, no words: the first sentence plays again from its first frame.
    await h.ticksUntil(() => h.playout.sent.length > sentAtPause, 'the turn to resume', { maxTicks: BARGE_IN_RESUME_AFTER_MS / 20 + 30 });
    await h.ticksUntil(() => h.playout.sent.length >= sentAtPause + heardBeforePause + 5, 'the cut part to be heard again');
    expect(bytes(h, sentAtPause, heardBeforePause + 5)).toEqual(bytes(h, answerStart, heardBeforePause + 5));
    expect(h.metrics.bargeIns('paused')).toBe(1);
    expect(h.metrics.bargeIns('resumed')).toBe(1);
    expect(h.metrics.bargeIns('confirmed')).toBe(0);

    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to end', { maxTicks: 2_000 });
    const report = h.backend.turnsOf('agent')[1]!;
    expect(report).toMatchObject({ text: ANSWER, interrupted: false });
    const answerFrames = h.ttsSession.spoken.reduce((sum, text) => sum + h.ttsSession.framesFor(text), 0);
    // Everything once, and what was cut twice.
    expect(h.playout.sent.length - answerStart).toBe(answerFrames + heardBeforePause);

    h.sttStream.final('And the prices?', h.nowMs);
    await h.ticksUntil(() => h.llm.rounds.length === 2, 'the next question');
    const history = h.llm.rounds[1]!.request.messages;
    expect(history.filter((m) => m.role === 'assistant' && m.content === ANSWER)).toHaveLength(1);
    expect(history.slice(-2)).toEqual([
      { role: 'assistant', content: ANSWER },
      { role: 'user', content: 'And the prices?' },
    ]);
  });

  it('speech that goes on confirms the pause: the turn is cut and keeps what was heard before the pause', async () => {
    const h = harness();
    const answerStart = await answering(h, 30);
    let sentAtPause = -1;
    await h.ticksUntil(
      () => {
        if (sentAtPause < 0 && h.playout.clears > 0 && h.playout.queuedFrames === 0) sentAtPause = h.playout.sent.length;
        return h.backend.turnsOf('agent').length === 2;
      },
      'the caller to cut in',
      { caller: callerVoice, maxTicks: 50 },
    );
    const interrupted = h.backend.turnsOf('agent')[1]!;
    expect(interrupted.interrupted).toBe(true);
    expect(ANSWER.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeGreaterThan(0);
    // Nothing was sent between the pause and the confirmation.
    expect(h.playout.sent.length).toBe(sentAtPause);
    expect(sentAtPause - answerStart).toBeGreaterThanOrEqual(30);
    expect(h.metrics.bargeIns('confirmed')).toBe(1);
    expect(h.metrics.bargeIns('resumed')).toBe(0);
    for (let i = 0; i < 50; i += 1) await h.tick();
    expect(h.playout.sent.length).toBe(sentAtPause);
  });

  it('detects on the caller audio as it arrives, before the jitter buffer releases it', async () => {
    const h = harness();
    await answering(h, 12);
    // The ticks still carry silence (the jitter buffer holds the speech back); the packets carry the voice.
    for (let i = 0; i < 30 && h.backend.turnsOf('agent').length < 2; i += 1) {
      h.arrive(callerVoice(h.ticks));
      await h.tick();
    }
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ interrupted: true });
    expect(h.metrics.bargeIns('paused')).toBe(1);
    expect(h.metrics.bargeIns('confirmed')).toBe(1);
  });

  it(`stops pausing a turn after ${MAX_RESUMES} resumes, so a noisy line cannot hold it forever`, async () => {
    const h = harness({ framesPerWord: 8 });
    await answering(h, 6);
    for (let cough = 0; cough < MAX_RESUMES + 1; cough += 1) {
      for (let i = 0; i < COUGH_TICKS; i += 1) await h.tick(callerVoice(h.ticks));
      for (let i = 0; i < BARGE_IN_RESUME_AFTER_MS / 20 + 20; i += 1) await h.tick();
    }
    expect(h.metrics.bargeIns('paused')).toBe(MAX_RESUMES);
    expect(h.metrics.bargeIns('resumed')).toBe(MAX_RESUMES);
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to end', { maxTicks: 2_000 });
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: ANSWER, interrupted: false });
  });

  it('a cough during the goodbye resumes it, and the call still ends once it was heard', async () => {
    const h = harness();
    await h.greet();
    h.sttStream.final('That is all, thanks.', h.nowMs);
    await h.ticksUntil(() => h.llm.rounds.length === 1, 'the LLM to be asked');
    h.llm.rounds[0]!.text('Goodbye, have a great day, and thank you for calling!').toolCall('call_2', 'end_call', { reason: 'done' }).done('tool_calls');
    const start = h.playout.sent.length;
    await h.ticksUntil(() => h.playout.sent.length >= start + 6, 'the goodbye to be heard');
    for (let i = 0; i < COUGH_TICKS; i += 1) await h.tick(callerVoice(h.ticks));
    expect(h.playout.queuedFrames).toBe(0);
    expect(h.backend.actions).toHaveLength(0);
    await h.ticksUntil(() => h.backend.actions.length === 1, 'the hang-up', { maxTicks: 2_000 });
    expect(h.metrics.bargeIns('resumed')).toBe(1);
    expect(h.backend.actions[0]!.action).toEqual({ type: 'hangup', reason: 'agent_goodbye' });
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: 'Goodbye, have a great day, and thank you for calling!', interrupted: false });
  });
});
