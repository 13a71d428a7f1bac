// AiAgent when a provider fails (at open or mid-call), and when the call ends:
// the caller hears the cached apology, the backend gets the failure and ends
// (or transfers) the call; close() releases every provider stream once.
import { describe, expect, it } from 'vitest';
import { callerSays, callerVoice, harnessPerTest, type AiAgentHarness } from '../../support/doubles/ai-agent-harness.js';
import { providerFailure } from '../../support/doubles/providers.js';
import { TEST_CALL_ID } from '../../support/doubles/session-request.js';
import { waitUntil } from '../../kit/wait.js';

const harness = harnessPerTest();

/** Runs the call until the agent asked the backend to end or move it. */
async function untilCallEnds(h: AiAgentHarness): Promise<void> {
  await h.ticksUntil(() => h.backend.actions.length > 0, 'the agent to end the call');
}

describe('AiAgent: provider failures', () => {
  it.each([
    ['stt', 'before the media starts'],
    ['tts', 'before the media starts'],
    ['stt', 'after the media started'],
    ['tts', 'after the media started'],
  ] as const)('a %s that cannot be opened (failing %s): apology, failure report, hang-up', async (provider, when) => {
    const failure = providerFailure(provider, 'connection refused');
    const h = harness({
      prepare: ({ stt, tts }) => {
        if (provider === 'stt') stt.openFailure = failure;
        else tts.openFailure = failure;
      },
    });
    // The gateway creates the agent with the session; the media (the first tick) starts
    // once the backend gave Asterisk's address, usually after the providers answered.
    if (when === 'before the media starts') await new Promise((resolve) => setImmediate(resolve));
    await untilCallEnds(h);
    expect(h.backend.failures).toEqual([{ callId: TEST_CALL_ID, failure: { provider, error: `deepgram ${provider}: connection refused` } }]);
    expect(h.backend.turnsOf('agent').at(-1)).toMatchObject({ text: h.clipText.apology, interrupted: false });
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'hangup', reason: 'provider_failure' }]);
  });

  it('the LLM failing after the caller heard part of the answer: not asked again; the cut turn is kept, the apology plays, the call ends', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'When are you open?');
    const before = h.playout.sent.length;
    round.text('We are open from nine. ').text('On Saturdays we');
    await h.ticksUntil(() => h.playout.sent.length > before, 'the first sentence to be heard');
    round.fail(providerFailure('llm', 'stream ended unexpectedly'));
    await untilCallEnds(h);
    expect(h.llm.rounds).toHaveLength(1);
    expect(h.metrics.recoveries('llm')).toBe(0);
    expect(h.backend.failures.map((entry) => entry.failure)).toEqual([{ provider: 'llm', error: 'openai llm: stream ended unexpectedly' }]);
    const agentTurns = h.backend.turnsOf('agent');
    expect(agentTurns.at(-2)).toMatchObject({ interrupted: true });
    expect('We are open from nine.'.startsWith(agentTurns.at(-2)!.text)).toBe(true);
    expect(agentTurns.at(-1)).toMatchObject({ text: h.clipText.apology, interrupted: false });
    expect(agentTurns.map((turn) => turn.text)).not.toContain('On Saturdays we');
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'hangup', reason: 'provider_failure' }]);
  });

  it('the LLM failing before anything was heard is asked again once; failing again: the apology, the call ends', async () => {
    const h = harness();
    await h.greet();
    const first = await callerSays(h, 'When are you open?');
    // Words that make no sentence yet: nothing of the round reached the caller.
    first.text('We are open');
    first.fail(providerFailure('llm', 'stream ended unexpectedly'));
    // The retry waits a short real backoff, not media ticks.
    await waitUntil(() => h.llm.rounds.length === 2, { what: 'the round to be asked again' });
    expect(first.aborted).toBe(true);
    expect(h.llm.rounds[1]!.request.messages).toEqual(first.request.messages);
    expect(h.metrics.recoveries('llm')).toBe(1);
    expect(h.backend.failures).toEqual([]);
    h.llm.rounds[1]!.fail(providerFailure('llm', 'server error'));
    await untilCallEnds(h);
    expect(h.llm.rounds).toHaveLength(2);
    expect(h.backend.failures.map((entry) => entry.failure)).toEqual([{ provider: 'llm', error: 'openai llm: server error' }]);
    expect(h.backend.turnsOf('agent').map((turn) => turn.text)).toEqual([h.clipText.greeting, h.clipText.apology]);
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'hangup', reason: 'provider_failure' }]);
  });

  it('transfers the caller instead when the business has someone to transfer to', async () => {
    const h = harness({ agent: { transferTarget: 'PJSIP/front-desk' } });
    await h.greet();
    const round = await callerSays(h, 'When are you open?');
    // A refused request (not retryable) is not asked again.
    round.fail(providerFailure('llm', 'rate limited', false));
    await untilCallEnds(h);
    expect(h.llm.rounds).toHaveLength(1);
    expect(h.backend.turnsOf('agent').at(-1)).toMatchObject({ text: h.clipText.apology, interrupted: false });
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'transfer', reason: 'llm failure' }]);
  });

  it('the TTS session dropping once: a new session takes over and the answer is heard', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'Hello?');
    h.ttsSession.fail(providerFailure('tts', 'socket closed by the service (1011: NET-0001)'));
    await h.ticksUntil(() => h.tts.sessions.length === 2, 'a new text-to-speech session');
    round.reply('Hello! How can I help?');
    await h.ticksUntil(() => h.backend.turnsOf('agent').length === 2, 'the answer to be heard');
    expect(h.backend.turnsOf('agent')[1]).toMatchObject({ text: 'Hello! How can I help?', interrupted: false });
    expect(h.tts.sessions[1]!.spoken.join(' ')).toBe('Hello! How can I help?');
    expect(h.metrics.recoveries('tts')).toBe(1);
    expect(h.backend.failures).toEqual([]);
    expect(h.backend.actions).toEqual([]);
  });

  it('the TTS failing for good mid-call: the apology still plays from the clip cache, without waiting for the next answer', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'Hello?');
    h.tts.openFailure = providerFailure('tts', 'connection refused');
    // Not worth opening again: the channel gives up at once.
    h.ttsSession.fail(providerFailure('tts', 'socket closed by the service (1008: policy)', false));
    await untilCallEnds(h);
    expect(round.aborted).toBe(true);
    expect(h.backend.failures.map((entry) => entry.failure)).toEqual([{ provider: 'tts', error: 'deepgram tts: socket closed by the service (1008: policy)' }]);
    expect(h.backend.turnsOf('agent').at(-1)).toMatchObject({ text: h.clipText.apology, interrupted: false });
    const apologyFrames = h.clipFrames(h.clipText.apology);
    expect(h.playout.sent.length).toBeGreaterThanOrEqual(h.clipFrames(h.clipText.greeting) + apologyFrames);
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'hangup', reason: 'provider_failure' }]);
  });

  it('the speech-to-text stream dropping once: a new stream takes over and the caller is still heard', async () => {
    const h = harness();
    await h.greet();
    h.sttStream.fail(providerFailure('stt', 'socket closed by the service (1011: NET-0001)'));
    await h.ticksUntil(() => h.stt.streams.length === 2, 'a new speech-to-text stream');
    const framesBefore = h.stt.streams[1]!.framesSent;
    await h.tick(callerVoice(0));
    expect(h.stt.streams[1]!.framesSent).toBe(framesBefore + 1);
    h.stt.streams[1]!.final('Are you open today?', h.nowMs);
    await h.ticksUntil(() => h.llm.rounds.length === 1, 'the LLM to be asked');
    expect(h.llm.rounds[0]!.request.messages.at(-1)).toEqual({ role: 'user', content: 'Are you open today?' });
    expect(h.metrics.recoveries('stt')).toBe(1);
    expect(h.backend.failures).toEqual([]);
  });

  it('the speech-to-text stream failing for good is reported once, however many failures follow', async () => {
    const h = harness();
    await h.greet();
    h.stt.openFailure = providerFailure('stt', 'connection refused');
    h.sttStream.fail(providerFailure('stt', 'socket closed by the service (1008: policy)', false));
    await untilCallEnds(h);
    h.ttsSession.fail(providerFailure('tts', 'socket closed', false));
    for (let i = 0; i < 10; i += 1) await h.tick();
    expect(h.stt.streams).toHaveLength(1);
    expect(h.backend.failures.map((entry) => entry.failure.provider)).toEqual(['stt']);
    expect(h.backend.actions).toHaveLength(1);
    expect(h.backend.turnsOf('agent').filter((turn) => turn.text === h.clipText.apology)).toHaveLength(1);
  });

  it('a speech-to-text service that stays down after its re-openings: the apology, the call ends', async () => {
    const h = harness();
    await h.greet();
    h.stt.openFailure = providerFailure('stt', 'connection refused');
    h.sttStream.fail(providerFailure('stt', 'socket closed by the service (1011: NET-0001)'));
    // The re-openings back off in real time (reconnect.ts), not in media ticks.
    await waitUntil(() => h.backend.failures.length > 0, { what: 'the re-openings to give up', timeoutMs: 10_000 });
    await untilCallEnds(h);
    expect(h.backend.failures.map((entry) => entry.failure)).toEqual([{ provider: 'stt', error: 'deepgram stt: connection refused' }]);
    expect(h.backend.turnsOf('agent').at(-1)).toMatchObject({ text: h.clipText.apology, interrupted: false });
    expect(h.backend.actions.map((entry) => entry.action)).toEqual([{ type: 'hangup', reason: 'provider_failure' }]);
  });
});

describe('AiAgent: close', () => {
  it('releases the providers and stops the turn under way; closing again does nothing', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'Tell me everything.');
    round.text('Well, ');
    await h.agent.close();
    expect(round.aborted).toBe(true);
    expect(h.sttStream.closeCalls).toBe(1);
    expect(h.ttsSession.closeCalls).toBe(1);
    await h.agent.close();
    expect(h.sttStream.closeCalls).toBe(1);
    expect(h.ttsSession.closeCalls).toBe(1);
  });

  it('after close, hears nothing, reports nothing and treats no failure as the call’s', async () => {
    const h = harness();
    await h.greet();
    const framesSent = h.sttStream.framesSent;
    const reports = h.backend.turns.length;
    await h.agent.close();
    h.sttStream.fail(providerFailure('stt', 'socket closed'));
    for (let i = 0; i < 10; i += 1) await h.tick(callerVoice(i));
    expect(h.sttStream.framesSent).toBe(framesSent);
    expect(h.backend.turns).toHaveLength(reports);
    expect(h.backend.failures).toEqual([]);
    expect(h.backend.actions).toEqual([]);
    expect(h.playout.sent.length).toBe(h.clipFrames(h.clipText.greeting));
  });

  it('closes a provider stream that opens only after the call was closed', async () => {
    let release = (): void => {};
    const h = harness({ prepare: ({ stt }) => (release = stt.holdOpen()) });
    await h.agent.close();
    release();
    await waitUntil(() => h.stt.streams.length === 1 && h.stt.streams[0]!.closeCalls === 1, { what: 'the late stream to be closed' });
    expect(h.tts.sessions.every((session) => session.closeCalls === 1)).toBe(true);
  });
});
