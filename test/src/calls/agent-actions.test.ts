// The agent's actions through the backend's internal API, as the media gateway
// asks for them: hang up and transfer, with the exact ARI requests a real
// Asterisk needs, the final CallLog row and the release of every resource.
import { afterEach, describe, expect, it } from 'vitest';
import { backendPaths, type CallAction } from '../../../media/contract/backend.js';
import { startSystem, type TestSystem } from '../../support/test-system.js';
import {
  callRow,
  connectedCall,
  finalRow,
  lastRequestSeq,
  postInternal,
  restRequestsSince,
  type ConnectedCall,
} from '../../support/internal-call.js';
import { waitUntil } from '../../kit/wait.js';

let system: TestSystem | null = null;
afterEach(async () => {
  if (system) expect(system.fake.violations).toEqual([]);
  await system?.stop();
  system = null;
});

async function started(options: Parameters<typeof startSystem>[0] = {}): Promise<TestSystem> {
  system = await startSystem(options);
  await system.waitReady();
  return system;
}

function act(s: TestSystem, call: ConnectedCall, action: CallAction) {
  return postInternal(s, backendPaths.actions(call.callId), action);
}

async function expectReleased(s: TestSystem, call: ConnectedCall): Promise<void> {
  await waitUntil(
    () =>
      s.fake.channel(call.mediaChannelId)?.live === false &&
      s.fake.bridges().length === 0 &&
      s.gateway.sessions.get(call.mediaSessionId) === undefined,
    { what: 'the externalMedia channel, the bridge and the gateway session to be released' },
  );
}

/** Still connected: both channels bridged, the gateway session open, the row answered. */
async function expectStillConnected(s: TestSystem, call: ConnectedCall): Promise<void> {
  expect(s.fake.bridges()).toEqual([expect.objectContaining({ id: call.bridgeId, channels: [call.channelId, call.mediaChannelId] })]);
  expect(s.fake.channel(call.channelId)).toMatchObject({ live: true, inStasis: true, hungUpBy: null });
  expect(s.gateway.sessions.get(call.mediaSessionId)).toBeDefined();
  expect(await callRow(s, call.channelId)).toMatchObject({ status: 'answered', endedAt: null });
}

describe('hangup', () => {
  it('hangs up the caller, then releases the externalMedia channel, the bridge and the gateway session', async () => {
    const s = await started();
    const call = await connectedCall(s);
    const before = lastRequestSeq(s);

    const answer = await act(s, call, { type: 'hangup', reason: 'agent_goodbye' });
    expect(answer).toEqual({ status: 200, body: { ok: true, message: null } });
    expect(s.fake.channel(call.channelId)).toMatchObject({ live: false, hungUpBy: 'app', hangupReason: 'normal' });

    const row = await finalRow(s, call.channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup', hangupCauseCode: null, error: null, transferTarget: null });
    expect(row.durationMs).toBe(row.endedAt!.getTime() - row.answeredAt!.getTime());
    await expectReleased(s, call);
    expect(restRequestsSince(s, before)).toEqual([
      { method: 'DELETE', path: `/ari/channels/${call.channelId}`, query: { reason: 'normal' } },
      { method: 'DELETE', path: `/ari/channels/${call.mediaChannelId}`, query: {} },
      { method: 'DELETE', path: `/ari/bridges/${call.bridgeId}`, query: {} },
    ]);
    // The ChannelHangupRequest / StasisEnd that followed our own hang-up were not taken for the caller's.
    expect(s.logs.entries('call ended').at(-1)).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup' });

    // The call is over: a second hang-up names no call.
    expect((await act(s, call, { type: 'hangup', reason: 'agent_goodbye' })).status).toBe(404);
  });

  it.each([
    ['caller_silence', 'caller_silence'],
    ['max_duration', 'max_duration'],
    ['provider_failure', 'provider_failure'],
  ] as const)('records why the agent hung up: %s -> hangup_cause %s', async (reason, cause) => {
    const s = await started();
    const call = await connectedCall(s);
    expect((await act(s, call, { type: 'hangup', reason })).body).toEqual({ ok: true, message: null });
    expect(await finalRow(s, call.channelId)).toMatchObject({ status: 'completed', hangupCause: cause });
    expect(s.fake.channel(call.channelId)).toMatchObject({ hungUpBy: 'app', hangupReason: 'normal' });
    await expectReleased(s, call);
  });
});

describe('transfer', () => {
  it('sends the caller to the transfer context without hanging up, and releases everything else', async () => {
    const s = await started();
    const call = await connectedCall(s);
    const before = lastRequestSeq(s);

    const answer = await act(s, call, { type: 'transfer', reason: 'caller asked for a person' });
    expect(answer).toEqual({ status: 200, body: { ok: true, message: null } });

    const row = await finalRow(s, call.channelId);
    expect(row).toMatchObject({
      status: 'transferred',
      transferTarget: 'PJSIP/100',
      hangupCause: 'transferred',
      hangupCauseCode: null,
      error: null,
    });
    expect(row.durationMs).toBe(row.endedAt!.getTime() - row.answeredAt!.getTime());
    await expectReleased(s, call);
    expect(restRequestsSince(s, before)).toEqual([
      {
        method: 'POST',
        path: `/ari/channels/${call.channelId}/variable`,
        query: { variable: 'TRANSFER_TARGET', value: 'PJSIP/100' },
      },
      {
        method: 'POST',
        path: `/ari/channels/${call.channelId}/continue`,
        query: { context: 'prosaas-transfer', extension: 's', priority: '1' },
      },
      { method: 'DELETE', path: `/ari/channels/${call.mediaChannelId}`, query: {} },
      { method: 'DELETE', path: `/ari/bridges/${call.bridgeId}`, query: {} },
    ]);
    // The caller lives on in the dialplan, which dials the target; nobody hung them up.
    expect(s.fake.channel(call.channelId)).toMatchObject({
      live: true,
      inStasis: false,
      hungUpBy: null,
      continuedTo: { context: 'prosaas-transfer', exten: 's', priority: 1 },
    });
  });

  it('ends transferred, not caller_hangup, when the StasisEnd of the continue arrives before its answer', async () => {
    const s = await started({ fake: { continueEventsBeforeReply: true } });
    const call = await connectedCall(s);
    expect((await act(s, call, { type: 'transfer', reason: null })).body).toEqual({ ok: true, message: null });
    expect(await finalRow(s, call.channelId)).toMatchObject({ status: 'transferred', hangupCause: 'transferred' });
    expect(s.fake.channel(call.channelId)).toMatchObject({ live: true, hungUpBy: null });
    await expectReleased(s, call);
  });

  it('answers ok:false when the business has no transfer target, and the call goes on', async () => {
    const s = await started();
    const call = await connectedCall(s, { transferTarget: null });
    const before = lastRequestSeq(s);

    const answer = await act(s, call, { type: 'transfer', reason: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: false, message: expect.stringMatching(/no transfer number.*take a message/) });
    expect(restRequestsSince(s, before)).toEqual([]);
    await expectStillConnected(s, call);

    s.fake.hangupCaller(call.channelId);
    expect(await finalRow(s, call.channelId)).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup', transferTarget: null });
  });

  it('answers ok:false when Asterisk refuses to continue, and the call goes on; a later transfer can succeed', async () => {
    const s = await started();
    const call = await connectedCall(s);
    s.fake.failNext('POST', /\/continue$/, { status: 500, message: 'Allocation failed' });

    const refused = await act(s, call, { type: 'transfer', reason: null });
    expect(refused).toEqual({ status: 200, body: { ok: false, message: expect.stringMatching(/did not go through/) } });
    await expectStillConnected(s, call);
    expect(s.logs.entries('transfer refused; the call goes on')).toHaveLength(1);

    expect((await act(s, call, { type: 'transfer', reason: null })).body).toEqual({ ok: true, message: null });
    expect(await finalRow(s, call.channelId)).toMatchObject({ status: 'transferred', transferTarget: 'PJSIP/100' });
    await expectReleased(s, call);
  });

  it('is refused once the call is over', async () => {
    const s = await started();
    const call = await connectedCall(s);
    s.fake.hangupCaller(call.channelId);
    await finalRow(s, call.channelId);
    const before = lastRequestSeq(s);
    const answer = await act(s, call, { type: 'transfer', reason: null });
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(restRequestsSince(s, before)).toEqual([]);
  });
});
