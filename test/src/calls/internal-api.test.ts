// The backend's internal API (media/contract/backend.ts) over HTTP, as the
// media gateway calls it: authentication, validation, unknown calls, and the
// reports it stores (turns, failures, messages), against the real system.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { backendPaths, type CallAction, type TurnReport } from '../../../media/contract/backend.js';
import { GATEWAY_TOKEN, startSystem, type TestSystem } from '../../support/test-system.js';
import { connectedCall, finalRow, postInternal } from '../../support/internal-call.js';
import { waitFor } from '../../kit/wait.js';

let system: TestSystem | null = null;
afterEach(async () => {
  if (system) expect(system.fake.violations).toEqual([]);
  await system?.stop();
  system = null;
});

async function started(): Promise<TestSystem> {
  system = await startSystem();
  await system.waitReady();
  return system;
}

function agentTurn(seq: number, text: string, overrides: Partial<TurnReport> = {}): TurnReport {
  return {
    seq,
    role: 'agent',
    text,
    startedAt: '2026-11-21T10:00:01.250Z',
    endedAt: '2026-11-21T10:00:03.500Z',
    interrupted: false,
    latency: { sttFinalMs: 180, llmFirstTokenMs: 420, ttsFirstAudioMs: 610, voiceToVoiceMs: 655 },
    ...overrides,
  };
}

const MESSAGE: CallAction = {
  type: 'take_message',
  callerName: 'Dana Smith',
  callbackNumber: '+15551239876',
  reason: 'Wants to move Tuesday’s cleaning to Thursday.',
};

describe('authentication', () => {
  it('refuses a missing, wrong or non-bearer token with 401, and never logs the token', async () => {
    const s = await started();
    const { callId } = await connectedCall(s);
    const wrongToken = 'not-the-gateway-token-0123456789';
    const attempts = [null, `Bearer ${wrongToken}`, `Basic ${Buffer.from(`gw:${GATEWAY_TOKEN}`).toString('base64')}`, 'Bearer '];
    for (const authorization of attempts) {
      for (const path of [backendPaths.turns(callId), backendPaths.failures(callId), backendPaths.actions(callId)]) {
        const answer = await postInternal(s, path, {}, authorization);
        expect(answer, `${path} with ${authorization}`).toEqual({
          status: 401,
          body: { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } },
        });
      }
    }
    const text = s.logs.lines().join('\n');
    expect(text).toContain('internal API request refused');
    expect(text).not.toContain(wrongToken);
    expect(text).not.toContain(GATEWAY_TOKEN);
    expect(await s.prisma.callTurn.count()).toBe(0);
  });

  it('checks the token before anything else: an unknown call answers 401 without it', async () => {
    const s = await started();
    const answer = await postInternal(s, backendPaths.actions(randomUUID()), { type: 'hangup', reason: 'agent_goodbye' }, null);
    expect(answer.status).toBe(401);
  });
});

describe('validation', () => {
  it('answers 400 naming every invalid field', async () => {
    const s = await started();
    const { callId } = await connectedCall(s);

    const turn = await postInternal(s, backendPaths.turns(callId), { ...agentTurn(0, 'Hi'), seq: -1, startedAt: 'yesterday' });
    expect(turn.status).toBe(400);
    const turnError = (turn.body as { error: { code: string; message: string } }).error;
    expect(turnError.code).toBe('bad_request');
    expect(turnError.message).toMatch(/seq: /);
    expect(turnError.message).toMatch(/startedAt: /);

    const failure = await postInternal(s, backendPaths.failures(callId), { provider: 'asr', error: '' });
    expect(failure.status).toBe(400);
    expect((failure.body as { error: { message: string } }).error.message).toMatch(/provider: .*error: /);

    const action = await postInternal(s, backendPaths.actions(callId), { type: 'dance' });
    expect(action.status).toBe(400);
    expect((action.body as { error: { message: string } }).error.message).toMatch(/type: /);

    const message = await postInternal(s, backendPaths.actions(callId), { ...MESSAGE, callbackNumber: '1' });
    expect(message.status).toBe(400);
    expect((message.body as { error: { message: string } }).error.message).toMatch(/callbackNumber: /);

    expect(await s.prisma.callTurn.count()).toBe(0);
    expect(await s.prisma.callMessage.count()).toBe(0);
    expect((await s.prisma.callLog.findUniqueOrThrow({ where: { id: callId } })).failure).toBeNull();
  });
});

describe('an unknown call', () => {
  it('answers 404 on every route, for an unknown id and for an id that is not a UUID', async () => {
    const s = await started();
    for (const callId of [randomUUID(), 'not-a-call-id']) {
      const answers = [
        await postInternal(s, backendPaths.turns(callId), agentTurn(0, 'Hello')),
        await postInternal(s, backendPaths.failures(callId), { provider: 'llm', error: 'openai llm: 500' }),
        await postInternal(s, backendPaths.actions(callId), { type: 'hangup', reason: 'agent_goodbye' }),
        await postInternal(s, backendPaths.actions(callId), MESSAGE),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({ error: { code: 'not_found' } });
      }
    }
  });
});

describe('turn reports', () => {
  it('stores each turn with its latencies, and the same seq again replaces it', async () => {
    const s = await started();
    const { callId } = await connectedCall(s);
    const greeting: TurnReport = { ...agentTurn(0, 'Thanks for calling Acme Dental.'), latency: null };
    const caller: TurnReport = {
      seq: 1,
      role: 'caller',
      text: 'I need to reschedule.',
      startedAt: '2026-11-21T10:00:04.000Z',
      endedAt: null,
      interrupted: false,
      latency: null,
    };
    for (const turn of [greeting, caller, agentTurn(2, 'Sure, which day')]) {
      expect(await postInternal(s, backendPaths.turns(callId), turn)).toEqual({ status: 204, body: null });
    }
    // The caller barged in: the gateway reports the turn again with what was actually played.
    const interrupted = agentTurn(2, 'Sure,', {
      interrupted: true,
      endedAt: '2026-11-21T10:00:02.100Z',
      latency: { sttFinalMs: 150, llmFirstTokenMs: null, ttsFirstAudioMs: 600, voiceToVoiceMs: 640 },
    });
    expect((await postInternal(s, backendPaths.turns(callId), interrupted)).status).toBe(204);

    const turns = await s.prisma.callTurn.findMany({ where: { callId }, orderBy: { seq: 'asc' } });
    expect(turns.map((t) => ({ seq: t.seq, role: t.role, text: t.text }))).toEqual([
      { seq: 0, role: 'agent', text: 'Thanks for calling Acme Dental.' },
      { seq: 1, role: 'caller', text: 'I need to reschedule.' },
      { seq: 2, role: 'agent', text: 'Sure,' },
    ]);
    expect(turns[0]).toMatchObject({ sttFinalMs: null, llmFirstTokenMs: null, ttsFirstAudioMs: null, voiceToVoiceMs: null });
    expect(turns[1]!.endedAt).toBeNull();
    expect(turns[2]).toMatchObject({
      interrupted: true,
      sttFinalMs: 150,
      llmFirstTokenMs: null,
      ttsFirstAudioMs: 600,
      voiceToVoiceMs: 640,
      startedAt: new Date('2026-11-21T10:00:01.250Z'),
      endedAt: new Date('2026-11-21T10:00:02.100Z'),
    });
  });

  it('stores the turn reported right after the caller hung up', async () => {
    const s = await started();
    const { callId, channelId } = await connectedCall(s);
    s.fake.hangupCaller(channelId);
    await finalRow(s, channelId);
    expect((await postInternal(s, backendPaths.turns(callId), agentTurn(3, 'Goodbye!'))).status).toBe(204);
    expect(await s.prisma.callTurn.findMany({ where: { callId } })).toMatchObject([{ seq: 3, text: 'Goodbye!' }]);
    // Actions on the ended call are refused.
    const hangup = await postInternal(s, backendPaths.actions(callId), { type: 'hangup', reason: 'agent_goodbye' });
    expect(hangup.status).toBe(404);
  });
});

describe('failure reports', () => {
  it('records the provider and what failed on the call log row; the latest wins', async () => {
    const s = await started();
    const { callId, channelId } = await connectedCall(s);
    const first = await postInternal(s, backendPaths.failures(callId), { provider: 'stt', error: 'deepgram stt: socket closed (1011)' });
    expect(first).toEqual({ status: 204, body: null });
    expect(await s.prisma.callLog.findUniqueOrThrow({ where: { id: callId } })).toMatchObject({
      failureProvider: 'stt',
      failure: 'deepgram stt: socket closed (1011)',
      status: 'answered',
      error: null,
    });
    await postInternal(s, backendPaths.failures(callId), { provider: 'tts', error: 'aura tts: no audio within 3000 ms' });
    expect(s.logs.entries('conversation provider failed').map((e) => e.provider)).toEqual(['stt', 'tts']);

    // The call's own writes (its end) keep the failure.
    s.fake.hangupCaller(channelId);
    const row = await finalRow(s, channelId);
    expect(row).toMatchObject({
      status: 'completed',
      hangupCause: 'caller_hangup',
      failureProvider: 'tts',
      failure: 'aura tts: no audio within 3000 ms',
    });
  });
});

describe('take_message', () => {
  it('stores the message on the call and answers ok', async () => {
    const s = await started();
    const { callId, channelId } = await connectedCall(s);
    const answer = await postInternal(s, backendPaths.actions(callId), MESSAGE);
    expect(answer).toEqual({ status: 200, body: { ok: true, message: null } });
    const messages = await s.prisma.callMessage.findMany({ where: { callId } });
    expect(messages).toMatchObject([
      { callerName: 'Dana Smith', callbackNumber: '+15551239876', reason: 'Wants to move Tuesday’s cleaning to Thursday.' },
    ]);
    // Taking a message does not touch the call.
    expect(s.fake.channel(channelId)).toMatchObject({ live: true, inStasis: true });
    expect((await s.prisma.callLog.findUniqueOrThrow({ where: { id: callId } })).status).toBe('answered');
  });

  it('keeps a message the agent reports just after the caller hung up', async () => {
    const s = await started();
    const { callId, channelId } = await connectedCall(s);
    s.fake.hangupCaller(channelId);
    await finalRow(s, channelId);
    expect(await postInternal(s, backendPaths.actions(callId), MESSAGE)).toEqual({ status: 200, body: { ok: true, message: null } });
    await waitFor(() => s.prisma.callMessage.findFirst({ where: { callId } }), { what: 'the message row' });
  });
});
