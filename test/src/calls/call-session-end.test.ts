// How a connected CallSession ends other than by the caller hanging up: the
// agent's hang-up and transfer, the media going away, the backend ending it
// (shutdown), and the database refusing or missing the row. After every test,
// every row has ended and nothing a call acquired is left.
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_MESSAGES } from '../../../src/calls/agent-actions.js';
import { CallSessionHarness, DIALED } from '../../support/doubles/call-session-harness.js';
import { fail } from '../../support/doubles/in-memory-asterisk.js';
import { gatewayError } from '../../support/doubles/in-memory-media-gateway.js';
import { MAX_MEDIA_MOVES } from '../../../src/calls/gateway-move.js';
import { waitUntil } from '../../kit/wait.js';

let h: CallSessionHarness;
afterEach(async () => {
  await h.closeAll();
});

function harness(): CallSessionHarness {
  h = new CallSessionHarness();
  return h;
}

describe('CallSession: the agent ends the call', () => {
  it.each([
    ['agent_goodbye', 'agent_hangup'],
    ['caller_silence', 'caller_silence'],
    ['max_duration', 'max_duration'],
    ['provider_failure', 'provider_failure'],
  ] as const)('hangs up for %s with hangup_cause %s, answering once the caller is released', async (reason, cause) => {
    harness();
    const session = await h.connected();
    const result = await session.hangUpForAgent(reason);
    expect(result).toEqual({ ok: true, message: null });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('normal');
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'completed', hangupCause: cause, error: null });
    // The caller's events caused by our own hang-up are not the caller hanging up.
    session.onCallerLeft('ChannelHangupRequest', 16);
    expect((await h.finalRow(session)).hangupCause).toBe(cause);
  });

  it('tells the agent when hanging up the caller failed, and still ends the call on our side', async () => {
    harness();
    const session = await h.connected();
    h.ari.control.failNext('channels.hangup', () => fail('DELETE', `/channels/${session.callerChannelId}`, 500, 'Internal Server Error'));
    expect(await session.hangUpForAgent('agent_goodbye')).toEqual({ ok: false, message: AGENT_MESSAGES.hangupFailed });
    expect(await h.finalRow(session)).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup' });
    expect(h.leftovers(session)).toEqual([]);
    // Not ours to clean up afterwards: the test's own check must not find the caller's channel.
    h.ari.channelGone(session.callerChannelId);
  });

  it('transfers: sets the target, sends the caller to the dialplan, never hangs them up', async () => {
    harness();
    h.directory.add(DIALED, '00000000-0000-4000-8000-0000000000b2', { transferTarget: 'PJSIP/front-desk' });
    const session = await h.connected();
    const held = h.ari.control.hold('channels.continueInDialplan');
    const transferring = session.transfer();
    await held.arrived;
    // The caller leaves Stasis for the dialplan before the 204 arrives.
    session.onCallerLeft('StasisEnd', null);
    held.release();
    expect(await transferring).toEqual({ ok: true, message: null });
    const [setVar, continued] = h.ari.requests.filter((request) => ['channels.setChannelVar', 'channels.continueInDialplan'].includes(request.operation));
    expect(setVar!.query).toEqual({ variable: 'TRANSFER_TARGET', value: 'PJSIP/front-desk' });
    expect(continued!.query).toEqual({ context: 'prosaas-transfer', extension: 's', priority: '1' });
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'transferred', hangupCause: 'transferred', transferTarget: 'PJSIP/front-desk', error: null });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBeNull();
    expect(h.leftovers(session)).toEqual([]);
    h.ari.channelGone(session.callerChannelId);
  });

  it('keeps the call going when Asterisk refuses the transfer', async () => {
    harness();
    h.directory.add(DIALED, '00000000-0000-4000-8000-0000000000b2', { transferTarget: 'PJSIP/front-desk' });
    const session = await h.connected();
    h.ari.control.failNext('channels.continueInDialplan', () => fail('POST', '/channels/x/continue', 500, 'Internal Server Error'));
    expect(await session.transfer()).toEqual({ ok: false, message: AGENT_MESSAGES.transferFailed });
    expect(session.phase).toBe('active');
    expect(session.acceptsActions).toBe(true);
    h.callerHangsUp(session);
    expect(await h.finalRow(session)).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup' });
  });

  it('refuses a transfer without a target, before the call is connected, or twice at once', async () => {
    harness();
    const noTarget = await h.connected();
    expect(await noTarget.transfer()).toEqual({ ok: false, message: AGENT_MESSAGES.noTransferTarget });

    h.directory.add(DIALED, '00000000-0000-4000-8000-0000000000b2', { transferTarget: 'PJSIP/front-desk' });
    const heldAnswer = h.ari.control.hold('channels.answer');
    const early = h.start();
    await heldAnswer.arrived;
    expect(await early.transfer()).toEqual({ ok: false, message: AGENT_MESSAGES.notConnected });
    heldAnswer.release();
    await waitUntil(() => early.phase === 'active', { what: 'the second call to connect' });

    const heldContinue = h.ari.control.hold('channels.continueInDialplan');
    const first = early.transfer();
    await heldContinue.arrived;
    expect(await early.transfer()).toEqual({ ok: false, message: AGENT_MESSAGES.transferUnderWay });
    heldContinue.release();
    expect(await first).toEqual({ ok: true, message: null });
    h.ari.channelGone(early.callerChannelId);
  });
});

describe('CallSession: ends from outside the call', () => {
  it('losing the bridge ends the call failed (media_lost) and hangs up the caller', async () => {
    harness();
    const session = await h.connected();
    session.onBridgeGone();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'media_lost', error: 'bridge destroyed unexpectedly' });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('normal');
    expect(h.leftovers(session)).toEqual([]);
  });

  it('an externalMedia channel hung up mid-call is replaced: a new session and channel join the same bridge', async () => {
    harness();
    const session = await h.connected();
    const oldChannel = session.mediaChannelId;
    const oldSession = session.mediaSession!;
    // What chan_websocket does when the gateway's connection closes.
    h.ari.channelGone(oldChannel);
    session.onMediaChannelGone();
    await waitUntil(() => session.mediaChannelId !== oldChannel && h.ari.bridge(session.bridgeId)?.channels.includes(session.mediaChannelId) === true, {
      what: 'the new externalMedia channel in the bridge',
    });
    expect(session.phase).toBe('active');
    // (This double keeps a hung-up channel listed in its bridge; the system tests check the bridge's members.)
    expect(h.ari.bridge(session.bridgeId)!.channels).toEqual(expect.arrayContaining([session.callerChannelId, session.mediaChannelId]));
    await waitUntil(() => session.mediaSession !== oldSession && h.media.sessions.get(oldSession)?.closed === true, { what: 'the old session closed' });
    // The new session continues the call: same call id, the conversation so far (none stored here).
    expect(h.media.sessions.get(session.mediaSession!)!.request).toMatchObject({ callId: session.callId, resume: { turns: [], nextSeq: 0 } });

    h.callerHangsUp(session);
    expect(await h.finalRow(session)).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup', error: null, mediaChannelId: session.mediaChannelId });
  });

  it('an externalMedia channel hung up when no gateway takes the call ends it failed (media_lost)', async () => {
    harness();
    const session = await h.connected();
    h.media.control.failNext('create_session', () => gatewayError('create_session', 503, 'no_capacity', 'no media gateway takes new calls'));
    h.ari.channelGone(session.mediaChannelId);
    session.onMediaChannelGone();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'media_lost' });
    expect(row.error).toContain('media gateway lost and the call could not move');
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('normal');
    expect(h.leftovers(session)).toEqual([]);
  });

  it('a media leg lost again and again ends the call media_lost after MAX_MEDIA_MOVES moves', async () => {
    harness();
    const session = await h.connected();
    for (let move = 0; move < MAX_MEDIA_MOVES; move += 1) {
      const lost = session.mediaChannelId;
      h.ari.channelGone(lost);
      session.onMediaChannelGone();
      await waitUntil(() => session.mediaChannelId !== lost && h.ari.bridge(session.bridgeId)?.channels.includes(session.mediaChannelId) === true, {
        what: `move ${move + 1} done`,
      });
    }
    h.ari.channelGone(session.mediaChannelId);
    session.onMediaChannelGone();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'media_lost' });
    expect(row.error).toContain(`after ${MAX_MEDIA_MOVES} moves`);
    expect(h.leftovers(session)).toEqual([]);
  });

  it('end() (shutdown, lost application) ends the row as told and resolves when the call is over', async () => {
    harness();
    const session = await h.connected();
    await session.end({ cause: 'app_replaced', status: 'interrupted', hangupReason: 'normal' });
    expect(session.phase).toBe('ended');
    expect(await h.finalRow(session)).toMatchObject({ status: 'interrupted', hangupCause: 'app_replaced' });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('normal');
    expect(session.acceptsActions).toBe(false);
  });

  it('end() during the setup stops it at the next step', async () => {
    harness();
    const held = h.media.control.hold('create_session');
    const session = h.start();
    await held.arrived;
    const ending = session.end({ cause: 'backend_shutdown', status: 'interrupted', hangupReason: 'normal' });
    held.release();
    await ending;
    expect(await h.finalRow(session)).toMatchObject({ status: 'interrupted', hangupCause: 'backend_shutdown' });
    expect(h.ari.operations).not.toContain('channels.externalMedia');
    expect(h.leftovers(session)).toEqual([]);
  });
});

describe('CallSession: the CallLog row', () => {
  it('a row the database refuses ends the call failed, naming the database', async () => {
    harness();
    h.store.refuse = (record) => (record.status === 'answered' ? new Error('value too long for type character varying(16)') : null);
    const session = h.start();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'setup_failed', error: 'database: value too long for type character varying(16)' });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).not.toBeNull();
    expect(h.leftovers(session)).toEqual([]);
  });

  it('a database outage never holds up the call, and the latest row lands when it is back', async () => {
    harness();
    h.store.outage = true;
    const session = await h.connected();
    h.callerHangsUp(session);
    await session.done;
    expect(h.store.rows.size).toBe(0);
    expect(h.writer.pending()).toEqual([expect.objectContaining({ id: session.callId, status: 'completed' })]);
    h.store.outage = false;
    expect(await h.finalRow(session)).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup' });
  });

  it('calls are independent: one failing leaves the other connected', async () => {
    harness();
    const good = await h.connected();
    h.ari.control.failNext('bridges.create', () => fail('POST', '/bridges', 500, 'Failed to create bridge'));
    const bad = h.start();
    expect(await h.finalRow(bad)).toMatchObject({ status: 'failed' });
    expect(good.phase).toBe('active');
    expect(h.ari.channel(good.callerChannelId)).toMatchObject({ live: true, hangupReason: null });
    expect(h.ari.channel(good.mediaChannelId)!.live).toBe(true);
    expect(h.ari.bridge(good.bridgeId)!.destroyed).toBe(false);
    expect(h.media.openSessions).toHaveLength(1);
    expect(h.leftovers(bad)).toEqual([]);
  });
});
