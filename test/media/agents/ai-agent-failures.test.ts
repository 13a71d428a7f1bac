// AiAgent when a provider fails (at open or mid-call), and when the call ends:
// the caller hears the cached apology, the backend gets the failure and ends
// (or transfers) the call; close() releases every provider stream once.
import { afterEach, describe, expect, it } from 'vitest';
import { AiAgentHarness, callerVoice } from '../../support/doubles/ai-agent-harness.js';
import { providerFailure } from '../../support/doubles/providers.js';
import { TEST_CALL_ID } from '../../support/doubles/session-request.js';
import { waitUntil } from '../../kit/wait.js';

const harnesses: AiAgentHarness[] = [];
function harness(...args: ConstructorParameters<typeof AiAgentHarness>): AiAgentHarness {
  const created = new AiAgentHarness(...args);
  harnesses.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.agent.close()));
});

async function callerSays(h: AiAgentHarness, text: string) {
  const rounds = h.llm.rounds.length;
  h.sttStream.final(text, h.nowMs);
  await h.ticksUntil(() => h.llm.rounds.length > rounds, `the LLM to be asked about "${text}"`);
  return h.llm.rounds.at(-1)!;
}

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

  it('the LLM failing mid-turn: the turn stops, the apology plays, the call ends', async () => {
    const h = harness();
    await h.greet();
    const round = await callerSays(h, 'When are you open?');
    round.text('We are open');
    round.fail(providerFailure('llm', 'stream ended unexpectedly'));
    await untilCallEnds(h);
    expect(h.backend.failures.map((entry) => entry.failure)).toEqual([{ provider: 'llm', error: 'openai llm: stream ended unexpectedly' }]);
    const agentTurns = h.backend.turnsOf('agent');
    expect(agentTurns.at(-1)).toMatchObject({ text: h.clipText.apology });
    expect(agentTurns.map((turn) => turn.text)).not.toContain('We are open');
    expect(h.backend.actions[0]!.action).toEqual({ type: 'hangup', reason: 'provider_failure' });
  });

  it('transfers the caller instead when the business has someone to transfer to', async () => {
    const h = harness({ agent: { transferTarget: 'PJSIP/front-desk' } });
    await h.greet();
    const round = await callerSays(h, 'When are you open?');
    round.fail(providerFailure('llm', 'rate limited'));
    await untilCallEnds(h);
    expect(h.backend.actions[0]!.action).toEqual({ type: 'transfer', reason: 'llm failure' });
  });

  it('the TTS session failing mid-call: the apology still plays from the clip cache', async () => {
    const h = harness();
    await h.greet();
    await callerSays(h, 'Hello?');
    h.ttsSession.fail(providerFailure('tts', 'socket closed by the service (1011: NET-0001)'));
    await untilCallEnds(h);
    expect(h.backend.failures.map((entry) => entry.failure.provider)).toEqual(['tts']);
    expect(h.backend.turnsOf('agent').at(-1)).toMatchObject({ text: h.clipText.apology, interrupted: false });
    const apologyFrames = h.clipFrames(h.clipText.apology);
    expect(h.playout.sent.length).toBeGreaterThanOrEqual(h.clipFrames(h.clipText.greeting) + apologyFrames);
  });

  it('the speech-to-text stream failing mid-call is reported once, however many failures follow', async () => {
    const h = harness();
    await h.greet();
    h.sttStream.fail(providerFailure('stt', 'socket closed by the service (1011: NET-0001)'));
    await untilCallEnds(h);
    h.ttsSession.fail(providerFailure('tts', 'socket closed'));
    for (let i = 0; i < 10; i += 1) await h.tick();
    expect(h.backend.actions).toHaveLength(1);
    expect(h.backend.turnsOf('agent').filter((turn) => turn.text === h.clipText.apology)).toHaveLength(1);
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
