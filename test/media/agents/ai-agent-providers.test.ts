// The coordinator and its turns when a provider drops: at each stage of a
// turn, once (the call goes on, nobody notices) and for good (the apology, then
// the transfer). Each drop is a knob of a protocol fake.
import { describe, expect, it, type TestContext } from 'vitest';
import { waitUntil } from '../../kit/wait.js';
import { firstUtterance } from '../../system/caller-utterances.js';
import { startAgent, type AgentHarness } from '../../support/doubles/wire-agent-harness.js';

// Each test has its own agent, fakes and backend on ports of their own, and
// spends most of its time in real-time audio: the tests of a describe run
// concurrently.

/** A harness stopped when the test ends. */
async function started(context: TestContext): Promise<AgentHarness> {
  const harness = await startAgent();
  context.onTestFinished(() => harness.stop());
  return harness;
}

const ANSWER = 'We open at eight in the morning and close at six in the evening.';

function asked(harness: AgentHarness, question: string): Promise<void> {
  harness.deepgram.queueTranscripts([question]);
  harness.line.say(firstUtterance());
  return Promise.resolve();
}

function expectNoFailure(harness: AgentHarness): void {
  expect(harness.backend.failures).toEqual([]);
  expect(harness.backend.actions).toEqual([]);
  expect(harness.openai.chatRequests().filter((r) => r.status !== null && r.status >= 400 && r.status !== 500)).toEqual([]);
  expect(harness.deepgram.violations).toEqual([]);
}

describe.concurrent('speech to text dropping', () => {
  it('between turns: a new stream takes over and the next question is answered', async (context) => {
    const h = await started(context);
    h.openai.respond(() => ({ text: ANSWER }));
    await h.greeted();
    h.deepgram.dropAll({ path: 'listen', code: 1011 });
    await waitUntil(() => h.deepgram.connections().length === 2, { what: 'the new stream' });
    await asked(h, 'When do you open?');
    await h.turn((t) => t.role === 'agent' && t.text === ANSWER, 'the answer');
    expect(h.metrics.recoveries('stt')).toBe(1);
    expectNoFailure(h);
  });

  it('while the caller speaks: the words in flight are transcribed once, whole', async (context) => {
    const h = await started(context);
    h.openai.respond(() => ({ text: ANSWER }));
    await h.greeted();
    await asked(h, 'When do you open on Tuesdays?');
    await waitUntil(() => h.deepgram.connections()[0]!.sent.some((m) => m.type === 'Results'), { what: 'words heard' });
    h.deepgram.dropAll({ path: 'listen', code: 1011 });
    await h.turn((t) => t.role === 'agent' && t.text === ANSWER, 'the answer');
    const callers = h.backend.orderedTurns().filter((t) => t.role === 'caller');
    expect(callers.map((t) => t.text)).toEqual(['When do you open on Tuesdays?']);
    expect(h.deepgram.connections()[0]!.finals).toEqual([]);
    expect(h.openai.chatRequests()).toHaveLength(1);
    expectNoFailure(h);
  });

  it('for good: the apology, then the transfer, with the failure reported', async (context) => {
    const h = await started(context);
    await h.greeted();
    for (let i = 0; i < 3; i += 1) h.deepgram.failNextConnect({ status: 503, path: 'listen' });
    h.deepgram.dropAll({ path: 'listen', code: 1011 });
    await h.turn((t) => t.role === 'agent' && /sorry/i.test(t.text), 'the apology');
    await waitUntil(() => h.backend.actions.some((a) => a.action.type === 'transfer'), { what: 'the transfer' });
    expect(h.backend.failures.map((f) => f.provider)).toEqual(['stt']);
  });
});

describe.concurrent('text to speech dropping', () => {
  it.for([
    { stage: 'before the first audio', afterChunks: 0 },
    { stage: 'mid-sentence', afterChunks: 3 },
  ])('$stage: the sentence is asked for again and the answer is heard whole', async ({ afterChunks }, context) => {
    const h = await started(context);
    h.openai.respond(() => ({ text: ANSWER }));
    await h.greeted();
    h.deepgram.failNextSpeakStream({ afterChunks, mode: 'close' });
    await asked(h, 'When do you open?');
    const answer = await h.turn((t) => t.role === 'agent' && t.seq > 1, 'the answer');
    expect(answer).toMatchObject({ text: ANSWER, interrupted: false });
    expect(h.metrics.recoveries('tts')).toBe(1);
    expectNoFailure(h);
  });

  it('for good: the cached apology plays, then the transfer', async (context) => {
    const h = await started(context);
    h.openai.respond(() => ({ text: ANSWER }));
    await h.greeted();
    h.deepgram.failNextSpeakStream({ afterChunks: 0, mode: 'close' });
    for (let i = 0; i < 3; i += 1) h.deepgram.failNextConnect({ status: 503, path: 'speak' });
    await asked(h, 'When do you open?');
    const apology = await h.turn((t) => t.role === 'agent' && /sorry/i.test(t.text), 'the apology');
    expect(apology.interrupted).toBe(false);
    await waitUntil(() => h.backend.actions.some((a) => a.action.type === 'transfer'), { what: 'the transfer' });
    expect(h.backend.failures.map((f) => f.provider)).toEqual(['tts']);
  });
});

describe.concurrent('the language model dropping', () => {
  it('before any of the answer was heard: the round is asked again and the answer plays', async (context) => {
    const h = await started(context);
    // Words came (so the client's own retry of a request that gave nothing does not apply), no sentence yet.
    h.openai.queueReplies({ text: ANSWER, disconnectAfterChunks: 6, interTokenDelayMs: 30 }, { text: ANSWER });
    await h.greeted();
    await asked(h, 'When do you open?');
    await h.turn((t) => t.role === 'agent' && t.text === ANSWER, 'the answer');
    expect(h.openai.chatRequests().map((r) => r.outcome)).toEqual(['disconnected', 'completed']);
    expect(h.metrics.recoveries('llm')).toBe(1);
    expectNoFailure(h);
  });

  it('after the caller heard part of the answer: not asked again; the apology, then the transfer', async (context) => {
    const h = await started(context);
    h.openai.queueReplies({ text: `Sure. ${ANSWER} ${ANSWER}`, disconnectAfterChunks: 12, interTokenDelayMs: 80 });
    await h.greeted();
    await asked(h, 'When do you open?');
    await h.turn((t) => t.role === 'agent' && /sorry/i.test(t.text), 'the apology');
    expect(h.openai.chatRequests()).toHaveLength(1);
    const cut = h.backend.orderedTurns().find((t) => t.role === 'agent' && t.text.startsWith('Sure.'));
    expect(cut?.interrupted).toBe(true);
    expect(h.backend.failures.map((f) => f.provider)).toEqual(['llm']);
  });
});
