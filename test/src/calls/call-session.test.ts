// CallSession's setup on in-memory doubles (ARI checked against the api-docs,
// the media gateway, the CallLog table behind the real writer): each step's
// success and failure, the caller hanging up at every stage, unrouted calls.
// After every test, every row has ended and nothing a call acquired is left.
// The agent's actions and the ends from outside are in call-session-end.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { BUSINESS_ID, CallSessionHarness, DIALED } from '../../support/doubles/call-session-harness.js';
import { TEST_AGENT } from '../../support/doubles/call-stores.js';
import { fail } from '../../support/doubles/in-memory-asterisk.js';
import { gatewayError } from '../../support/doubles/in-memory-media-gateway.js';
import type { HeldRequest } from '../../support/doubles/step-control.js';
import { waitUntil } from '../../kit/wait.js';

let h: CallSessionHarness;
afterEach(async () => {
  await h.closeAll();
});

function harness(options?: ConstructorParameters<typeof CallSessionHarness>[0]): CallSessionHarness {
  h = new CallSessionHarness(options);
  return h;
}

describe('CallSession: setup', () => {
  it('sets up the media path while the caller rings (bridge, gateway session, externalMedia, remote, both channels bridged), then answers', async () => {
    harness();
    const session = await h.connected();
    expect(h.ari.operations).toEqual(['bridges.create', 'channels.externalMedia', 'bridges.addChannel', 'channels.answer']);
    await waitUntil(() => h.media.control.received.length === 3, { what: 'the gateway to be told of the answer' });
    expect(h.media.control.received).toEqual(['create_session', 'set_remote', 'answered']);
    const [bridge, externalMedia, addChannel, answer] = h.ari.requests;
    expect(answer!.path).toBe(`/channels/${session.callerChannelId}/answer`);
    expect(bridge!.query).toEqual({ type: 'mixing', bridgeId: session.bridgeId, name: `call-${session.callId}` });
    expect(externalMedia!.query).toEqual({ app: 'prosaas_ai', external_host: '127.0.0.1:30000', format: 'ulaw', channelId: session.mediaChannelId });
    expect(addChannel!.query).toEqual({ channel: `${session.callerChannelId},${session.mediaChannelId}` });

    const [gatewaySession] = [...h.media.sessions.values()];
    expect(gatewaySession!.request).toEqual({
      callId: session.callId,
      businessId: BUSINESS_ID,
      channelId: session.callerChannelId,
      format: 'ulaw',
      transport: 'rtp',
      caller: { from: '+15551230000', to: DIALED },
      agent: TEST_AGENT,
      announcement: null,
      record: true,
      awaitAnswer: true,
    });
    expect(gatewaySession!.remote).toEqual(h.ari.rtpAddress);
    expect(gatewaySession!.answered).toBe(true);
    expect(h.ari.bridge(session.bridgeId)!.channels).toEqual([session.callerChannelId, session.mediaChannelId]);

    expect(session.phase).toBe('active');
    expect(session.acceptsActions).toBe(true);
    await h.writer.flush(5_000);
    expect(h.store.rows.get(session.callId)).toMatchObject({
      status: 'answered',
      businessId: BUSINESS_ID,
      fromNumber: '+15551230000',
      toNumber: DIALED,
      bridgeId: session.bridgeId,
      mediaChannelId: session.mediaChannelId,
      answeredAt: expect.any(Date),
      endedAt: null,
    });
    expect([...h.registry.owners.keys()].sort()).toEqual([session.callerChannelId, session.mediaChannelId, session.bridgeId].sort());
  });

  it('asks for Asterisk’s RTP address when the externalMedia answer does not carry it', async () => {
    harness();
    h.ari.channelVarsInAnswer = false;
    await h.connected();
    expect(h.ari.requests.filter((request) => request.operation === 'channels.getChannelVar').map((request) => request.query.variable)).toEqual([
      'UNICASTRTP_LOCAL_ADDRESS',
      'UNICASTRTP_LOCAL_PORT',
    ]);
    expect([...h.media.sessions.values()][0]!.remote).toEqual(h.ari.rtpAddress);
  });

  it('ends an active call completed when the caller hangs up, releasing what the call holds', async () => {
    harness();
    const session = await h.connected();
    h.callerHangsUp(session, 'ChannelHangupRequest', 16);
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup', hangupCauseCode: 16, error: null, recordingPath: 'recordings/call.wav' });
    expect(row.durationMs).toBeGreaterThanOrEqual(0);
    expect(row.endedAt!.getTime()).toBeGreaterThanOrEqual(row.answeredAt!.getTime());
    // The caller left by themselves: only what the call created is released.
    expect(h.ari.operations.slice(4)).toEqual(['channels.hangup', 'bridges.destroy']);
    expect(h.ari.requests[4]!.path).toBe(`/channels/${session.mediaChannelId}`);
    expect(h.media.control.received).toEqual(['create_session', 'set_remote', 'answered', 'close_session']);
    expect(session.phase).toBe('ended');
    expect(session.acceptsActions).toBe(false);
    expect(h.leftovers(session)).toEqual([]);
    // Later events of the same hang-up change nothing.
    session.onCallerLeft('StasisEnd', null);
    session.onCallerLeft('ChannelDestroyed', 16);
    expect(await h.finalRow(session)).toBe(row);
  });
});

/** Where a setup can be when the caller hangs up, and how to hold it there. */
const STAGES: { stage: string; answered: boolean; hold: (h: CallSessionHarness) => HeldRequest | 'stasis' }[] = [
  { stage: 'route lookup', answered: false, hold: (h) => h.directory.control.hold('route_lookup') },
  { stage: 'bridge', answered: false, hold: (h) => h.ari.control.hold('bridges.create') },
  { stage: 'gateway session', answered: false, hold: (h) => h.media.control.hold('create_session') },
  { stage: 'externalMedia', answered: false, hold: (h) => h.ari.control.hold('channels.externalMedia') },
  { stage: 'gateway remote', answered: false, hold: (h) => h.media.control.hold('set_remote') },
  { stage: 'externalMedia StasisStart', answered: false, hold: () => 'stasis' },
  { stage: 'addChannel', answered: false, hold: (h) => h.ari.control.hold('bridges.addChannel') },
  { stage: 'answer', answered: false, hold: (h) => h.ari.control.hold('channels.answer') },
];

describe('CallSession: the caller hangs up during the setup', () => {
  it.each(STAGES)('during the $stage: the row ends and what was acquired is released', async ({ answered, hold }) => {
    harness();
    const held = hold(h);
    if (held === 'stasis') h.announceMediaChannel = false;
    const session = h.start();
    if (held === 'stasis') {
      await waitUntil(() => [...h.media.sessions.values()].some((gateway) => gateway.remote !== null), { what: 'the setup to wait for the StasisStart' });
    } else {
      await held.arrived;
    }
    const ariBefore = h.ari.operations.length;
    const mediaBefore = h.media.control.received.length;
    h.callerHangsUp(session, 'StasisEnd', null);
    if (held !== 'stasis') held.release();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: answered ? 'completed' : 'abandoned', hangupCause: 'caller_hangup', error: null });
    if (!answered) expect(row.durationMs).toBe(0);
    // Nothing more is set up once the caller left; only releases follow.
    expect(h.ari.operations.slice(ariBefore).every((operation) => ['channels.hangup', 'bridges.destroy'].includes(operation))).toBe(true);
    expect(h.media.control.received.slice(mediaBefore).every((operation) => operation === 'close_session')).toBe(true);
    // Gone by themselves: the caller is never hung up by us.
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBeNull();
    expect(h.leftovers(session)).toEqual([]);
    expect(session.phase).toBe('ended');
  });

  it('a refused request on a caller who already left is the caller hanging up, not a failure', async () => {
    harness();
    const held = h.ari.control.hold('channels.answer');
    const session = h.start();
    await held.arrived;
    // Gone on Asterisk's side, the event still on its way: answer gets 404.
    h.ari.channelGone(session.callerChannelId);
    held.release();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'abandoned', hangupCause: 'caller_hangup', error: null });
    expect(h.ari.operations).toEqual(['bridges.create', 'channels.externalMedia', 'bridges.addChannel', 'channels.answer', 'channels.get', 'channels.hangup', 'bridges.destroy']);
    expect(h.media.control.received).toEqual(['create_session', 'set_remote', 'close_session']);
  });
});

/** Each setup step failing, and what the row's error starts with. */
const FAILURES: { step: string; answered: boolean; prepare: (h: CallSessionHarness) => void; error: string | RegExp }[] = [
  {
    step: 'route_lookup',
    answered: false,
    prepare: (h) => h.directory.control.failNext('route_lookup', () => new Error('connection refused')),
    error: 'route_lookup: connection refused',
  },
  {
    step: 'bridge',
    answered: false,
    prepare: (h) => h.ari.control.failNext('bridges.create', () => fail('POST', '/bridges', 500, 'Failed to create bridge')),
    error: 'bridge: ARI POST /bridges failed: 500 Failed to create bridge',
  },
  {
    step: 'media_session',
    answered: false,
    prepare: (h) => h.media.control.failNext('create_session', () => gatewayError('create_session', 503, 'no_capacity', 'no RTP port free')),
    error: 'media_session: media gateway create_session failed: 503 no_capacity: no RTP port free',
  },
  {
    step: 'external_media',
    answered: false,
    prepare: (h) => h.ari.control.failNext('channels.externalMedia', () => fail('POST', '/channels/externalMedia', 400, 'external_host is invalid')),
    error: 'external_media: ARI POST /channels/externalMedia failed: 400 external_host is invalid',
  },
  {
    step: 'external_media (no RTP address)',
    answered: false,
    prepare: (h) => {
      h.ari.channelVarsInAnswer = false;
      h.ari.control.failNext('channels.getChannelVar', () => fail('GET', '/channels/x/variable', 404, 'Provided variable was not found'));
    },
    error: /^external_media: Asterisk gave no usable RTP address/,
  },
  {
    step: 'media_remote',
    answered: false,
    prepare: (h) => h.media.control.failNext('set_remote', () => gatewayError('set_remote', 400, 'bad_request', 'port out of range')),
    error: 'media_remote: media gateway set_remote failed: 400 bad_request: port out of range',
  },
  {
    step: 'external_media (no StasisStart)',
    answered: false,
    prepare: (h) => (h.announceMediaChannel = false),
    error: 'external_media: externalMedia channel did not enter Stasis within 50 ms',
  },
  {
    step: 'bridge_channels',
    answered: false,
    prepare: (h) => h.ari.control.failNext('bridges.addChannel', () => fail('POST', '/bridges/x/addChannel', 422, 'Channel not in Stasis application')),
    error: 'bridge_channels: ARI POST /bridges/x/addChannel failed: 422 Channel not in Stasis application',
  },
  {
    step: 'answer',
    answered: false,
    prepare: (h) => h.ari.control.failNext('channels.answer', () => fail('POST', '/channels/x/answer', 500, 'Internal Server Error')),
    error: 'answer: ARI POST /channels/x/answer failed: 500 Internal Server Error',
  },
];

describe('CallSession: a setup step fails', () => {
  it.each(FAILURES)('$step: the row ends failed naming the step, the caller is hung up, the rest released', async ({ answered, prepare, error }) => {
    harness({ externalMediaStasisTimeoutMs: 50 });
    prepare(h);
    const session = h.start();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'setup_failed' });
    expect(row.error).toMatch(typeof error === 'string' ? new RegExp(`^${escape(error)}$`) : error);
    // Before the answer the caller hears congestion; after it a normal hang-up.
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe(answered ? 'normal' : 'congestion');
    expect(row.answeredAt !== null).toBe(answered);
    expect(h.leftovers(session)).toEqual([]);
  });
});

describe('CallSession: the caller rings while the media path is set up', () => {
  it('a failing step never answers the caller nor starts the gateway session', async () => {
    harness();
    h.ari.control.failNext('bridges.addChannel', () => fail('POST', '/bridges/x/addChannel', 500, 'Internal Server Error'));
    const session = h.start();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', answeredAt: null });
    expect(h.ari.operations).not.toContain('channels.answer');
    expect([...h.media.sessions.values()].map((gateway) => gateway.answered)).toEqual([false]);
    expect(h.media.control.received).not.toContain('answered');
  });

  it('the setup timeout hangs the caller up at once (congestion), while a step is still in flight; the row ends when it returns', async () => {
    harness({ setupTimeoutMs: 100 });
    const held = h.ari.control.hold('bridges.addChannel');
    const session = h.start();
    await held.arrived;
    await waitUntil(() => h.ari.channel(session.callerChannelId)!.hangupReason !== null, { what: 'the caller to stop ringing' });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('congestion');
    expect(session.phase).toBe('setting_up');
    expect(session.acceptsActions).toBe(false);
    held.release();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'setup_failed', answeredAt: null, error: 'setup_timeout: the call was not set up within 100 ms' });
    expect(h.ari.operations).not.toContain('channels.answer');
    // The caller was hung up once; what the held step acquired is released after it.
    expect(h.ari.requests.filter((r) => r.operation === 'channels.hangup' && r.path === `/channels/${session.callerChannelId}`)).toHaveLength(1);
    expect(h.leftovers(session)).toEqual([]);
  });

  it('a setup timeout whose hang-up fails retries it at the teardown', async () => {
    harness({ setupTimeoutMs: 100 });
    const held = h.media.control.hold('create_session');
    h.ari.control.failNext('channels.hangup', () => fail('DELETE', '/channels/x', 500, 'Internal Server Error'));
    const session = h.start();
    await held.arrived;
    await waitUntil(() => h.ari.operations.includes('channels.hangup'), { what: 'the hang-up at the timeout' });
    held.release();
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'failed', error: 'setup_timeout: the call was not set up within 100 ms' });
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('congestion');
    expect(h.leftovers(session)).toEqual([]);
  });

  it('the gateway not hearing of the answer does not fail the call (the caller audio starts it)', async () => {
    harness();
    h.media.control.failNext('answered', () => gatewayError('answered', 500, 'internal', 'boom'));
    const session = await h.connected();
    await waitUntil(() => h.media.control.received.includes('answered'), { what: 'the answer notification' });
    await h.writer.flush(5_000);
    expect(h.store.rows.get(session.callId)).toMatchObject({ status: 'answered', endedAt: null });
    expect(session.phase).toBe('active');
  });
});

describe('CallSession: unrouted calls', () => {
  it('rejects a number no business owns without answering, and logs it unrouted', async () => {
    harness();
    const session = h.start(h.event({ args: ['inbound', '+15550000000'] }));
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'unrouted', businessId: null, toNumber: '+15550000000', hangupCause: 'unrouted', answeredAt: null, error: null });
    expect(h.ari.operations).toEqual(['channels.hangup']);
    expect(h.ari.channel(session.callerChannelId)!.hangupReason).toBe('unallocated');
    expect(h.media.control.received).toEqual([]);
  });

  it('rejects a dialed extension that is not a phone number, saying so', async () => {
    harness();
    const session = h.start(h.event({ args: ['inbound'], exten: 's' }));
    const row = await h.finalRow(session);
    expect(row).toMatchObject({ status: 'unrouted', toNumber: 's', error: 'dialed number "s" is not a phone number' });
    expect(h.directory.control.received).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
