// The call lifecycle through the real backend and media gateway, against the
// ARI fake over real sockets and a real PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { finalRow } from '../../support/internal-call.js';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { waitFor, waitUntil } from '../../kit/wait.js';

const DIALED = '+19863334949';
const CALLER = '+15551230000';

let system: TestSystem | null = null;
afterEach(async () => {
  await system?.stop();
  system = null;
});

async function started(options: Parameters<typeof startSystem>[0] = {}): Promise<TestSystem> {
  system = await startSystem(options);
  await system.waitReady();
  return system;
}

function callRow(s: TestSystem, channelId: string) {
  return s.prisma.callLog.findUnique({ where: { channelId } });
}

/** CallLog writes never block a call, so a row can trail the ARI requests by a few ms. */
function rowWithStatus(s: TestSystem, channelId: string, status: string) {
  return waitFor(async () => {
    const row = await callRow(s, channelId);
    return row?.status === status ? row : null;
  }, { what: `the ${status} row of ${channelId}` });
}

function requestsSince(s: TestSystem, seq: number) {
  return s.fake.requests
    .filter((r) => r.seq > seq && r.kind === 'rest')
    .map((r) => ({ method: r.method, path: r.path, query: r.query }));
}

describe('a routed call', () => {
  it('runs the full lifecycle with exactly the ARI requests Asterisk needs, in order', async () => {
    const s = await started();
    const businessId = await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    const before = s.fake.requests.at(-1)?.seq ?? 0;

    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    expect(call.outcome).toBe('in-stasis');
    const bridge = await waitFor(() => s.fake.bridges().find((b) => b.channels.length === 2), {
      what: 'the caller and the externalMedia channel to be bridged',
    });
    const mediaChannelId = bridge.channels.find((id) => id !== call.channelId) as string;
    const media = s.fake.channel(mediaChannelId);
    expect(media).toMatchObject({ kind: 'external-media', format: 'ulaw', inStasis: true, bridgeId: bridge.id });
    expect(media?.externalHost).toBe(`127.0.0.1:${s.gateway.rtp.port}`);

    // The gateway sends nothing while the caller rings: its first packet follows the answer.
    await waitUntil(() => s.fake.rtpHeard(mediaChannelId).length > 0, { what: 'the gateway to send RTP' });
    const answerRequest = s.fake.requests.find((r) => r.path === `/ari/channels/${call.channelId}/answer`);
    expect(s.fake.rtpHeard(mediaChannelId)[0]!.atMs).toBeGreaterThanOrEqual(answerRequest!.atMs);

    // Asterisk's RTP reaches the gateway session locked on Asterisk's address.
    s.fake.startCallerAudio(mediaChannelId);
    const [session] = s.gateway.sessions.list();
    expect(session).toBeDefined();
    await waitUntil(() => (s.gateway.sessions.get(session!.sessionId)?.stats().packetsIn ?? 0) >= 10, {
      what: 'caller RTP at the gateway',
    });
    expect(s.gateway.sessions.get(session!.sessionId)?.stats().ssrc).toBe(s.fake.rtpSent(mediaChannelId).ssrc);
    expect(session!.remote).toEqual({ host: media?.localAddress, port: media?.localPort });

    const answered = await rowWithStatus(s, call.channelId, 'answered');
    expect(answered).toMatchObject({ status: 'answered', businessId, fromNumber: CALLER, toNumber: DIALED });

    s.fake.hangupCaller(call.channelId);
    const row = await finalRow(s, call.channelId);
    expect(row).toMatchObject({
      status: 'completed',
      businessId,
      direction: 'inbound',
      hangupCause: 'caller_hangup',
      bridgeId: bridge.id,
      mediaChannelId,
      error: null,
    });
    expect(row.answeredAt).not.toBeNull();
    expect(row.endedAt!.getTime()).toBeGreaterThanOrEqual(row.answeredAt!.getTime());
    expect(row.durationMs).toBe(row.endedAt!.getTime() - row.answeredAt!.getTime());

    await waitUntil(() => s.fake.bridges().length === 0 && s.gateway.sessions.size === 0, {
      what: 'the bridge and the gateway session to be released',
    });
    // The media path is ready before the caller is answered.
    expect(requestsSince(s, before)).toEqual([
      { method: 'POST', path: '/ari/bridges', query: { type: 'mixing', bridgeId: bridge.id, name: `call-${row.id}` } },
      {
        method: 'POST',
        path: '/ari/channels/externalMedia',
        query: { app: 'prosaas_ai', external_host: media?.externalHost, format: 'ulaw', channelId: mediaChannelId },
      },
      { method: 'POST', path: `/ari/bridges/${bridge.id}/addChannel`, query: { channel: `${call.channelId},${mediaChannelId}` } },
      { method: 'POST', path: `/ari/channels/${call.channelId}/answer`, query: {} },
      { method: 'DELETE', path: `/ari/channels/${mediaChannelId}`, query: {} },
      { method: 'DELETE', path: `/ari/bridges/${bridge.id}`, query: {} },
    ]);
    expect(s.fake.violations).toEqual([]);
  });

  it('waits for the externalMedia channel to enter Stasis before bridging it (no 422)', async () => {
    const s = await started({ fake: { externalMediaStasisDelayMs: 150 } });
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    await waitFor(() => s.fake.bridges().find((b) => b.channels.length === 2), { what: 'bridged call' });
    expect(s.fake.requests.filter((r) => r.status === 422)).toEqual([]);
    await rowWithStatus(s, call.channelId, 'answered');
  });

  it('takes the dialed number from the dialplan extension when the args carry none', async () => {
    const s = await started();
    const businessId = await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    const call = s.fake.placeCall({ from: CALLER, to: DIALED, args: ['inbound'] });
    await waitFor(() => s.fake.bridges().find((b) => b.channels.length === 2), { what: 'bridged call' });
    expect((await rowWithStatus(s, call.channelId, 'answered')).businessId).toBe(businessId);
  });

  it('records a caller who hangs up during setup and releases everything', async () => {
    const s = await started({ fake: { externalMediaStasisDelayMs: 400 } });
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    await waitFor(() => s.fake.channels().find((c) => c.kind === 'external-media'), { what: 'externalMedia channel' });
    s.fake.hangupCaller(call.channelId);
    const row = await finalRow(s, call.channelId);
    expect(row).toMatchObject({ status: 'abandoned', hangupCause: 'caller_hangup', error: null, answeredAt: null });
    expect(s.fake.requests.filter((r) => r.path.endsWith('/answer'))).toEqual([]);
    await waitUntil(() => s.fake.channels().length === 0 && s.fake.bridges().length === 0 && s.gateway.sessions.size === 0, {
      what: 'every resource of the call to be released',
    });
  });
});

describe('an unknown number', () => {
  it('is hung up without being answered and logged unrouted with no business', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    const before = s.fake.requests.at(-1)?.seq ?? 0;
    const call = s.fake.placeCall({ from: CALLER, to: '+15550009999' });
    const row = await finalRow(s, call.channelId);
    expect(row).toMatchObject({ status: 'unrouted', businessId: null, toNumber: '+15550009999', hangupCause: 'unrouted', durationMs: 0 });
    expect(requestsSince(s, before)).toEqual([
      { method: 'DELETE', path: `/ari/channels/${call.channelId}`, query: { reason: 'unallocated' } },
    ]);
    expect(s.fake.channel(call.channelId)?.hungUpBy).toBe('app');
    expect(s.gateway.sessions.size).toBe(0);
  });
});

describe('a failing step', () => {
  async function expectFailed(s: TestSystem, channelId: string, step: string) {
    const row = await finalRow(s, channelId);
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(new RegExp(`^${step}: `));
    expect(row.endedAt).not.toBeNull();
    await waitUntil(() => s.fake.channels().length === 0 && s.fake.bridges().length === 0 && s.gateway.sessions.size === 0, {
      what: `every resource of the call to be released after the ${step} failure`,
    });
    expect(s.fake.violations).toEqual([]);
    return row;
  }

  it('bridge creation: the caller is hung up and the row ends failed', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    s.fake.failNext('POST', /^\/ari\/bridges$/, { status: 500, message: 'Unable to create bridge' });
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    const row = await expectFailed(s, call.channelId, 'bridge');
    expect(row.error).toContain('500 Unable to create bridge');
    // Never answered: the caller stopped ringing with congestion.
    expect(row.answeredAt).toBeNull();
    expect(s.fake.channel(call.channelId)).toMatchObject({ hungUpBy: 'app', hangupReason: 'congestion' });
  });

  it('media gateway session: no capacity for a second call', async () => {
    const s = await started({ mediaMaxSessions: 1 });
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    const first = s.fake.placeCall({ from: CALLER, to: DIALED });
    await waitFor(() => s.fake.bridges().find((b) => b.channels.includes(first.channelId) && b.channels.length === 2), {
      what: 'the first call to be bridged',
    });
    const second = s.fake.placeCall({ from: '+15551230001', to: DIALED });
    const row = await finalRow(s, second.channelId);
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'setup_failed' });
    expect(row.error).toMatch(/^media_session: .*503 no_capacity/);
    await waitUntil(() => s.fake.bridges().length === 1 && s.fake.channels().length === 2, {
      what: 'only the first call to keep its channels and bridge',
    });
    await rowWithStatus(s, first.channelId, 'answered');
  });

  it('media gateway unreachable', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    await s.gateway.close();
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    const row = await expectFailed(s, call.channelId, 'media_session');
    expect(row.error).toContain('connection refused');
  });

  it('externalMedia channel creation', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    s.fake.failNext('POST', /^\/ari\/channels\/externalMedia$/, {
      status: 500,
      message: 'An internal error prevented this request from being handled',
    });
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    await expectFailed(s, call.channelId, 'external_media');
  });

  it('adding the channels to the bridge', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    s.fake.failNext('POST', /\/addChannel$/, { status: 500, message: 'Internal Server Error' });
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    await expectFailed(s, call.channelId, 'bridge_channels');
  });

  it('the database refusing the call log row', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    await s.prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_answered() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'answered' THEN RAISE EXCEPTION 'answered rows are refused by this test'; END IF;
        RETURN NEW;
      END $$`);
    await s.prisma.$executeRawUnsafe(
      `CREATE TRIGGER refuse_answered BEFORE INSERT OR UPDATE ON call_logs FOR EACH ROW EXECUTE FUNCTION refuse_answered()`,
    );
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    const row = await expectFailed(s, call.channelId, 'database');
    expect(row.error).toContain('answered rows are refused');
    expect(s.fake.channel(call.channelId)?.hungUpBy).toBe('app');
  });

  it('the database unreachable for the route lookup: failed row stored once it is back', async () => {
    const s = await started({ databaseProxy: true });
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    s.proxy!.pause();
    const call = s.fake.placeCall({ from: CALLER, to: DIALED });
    await waitUntil(() => s.fake.channel(call.channelId)?.hungUpBy === 'app', {
      what: 'the caller to be hung up while the database is unreachable',
    });
    expect(s.fake.channel(call.channelId)?.hangupReason).toBe('congestion');
    expect(await callRow(s, call.channelId)).toBeNull();
    s.proxy!.resume();
    const row = await finalRow(s, call.channelId);
    expect(row).toMatchObject({ status: 'failed', businessId: null, hangupCause: 'setup_failed' });
    expect(row.error).toMatch(/^route_lookup: /);
  });

  it('one failing call does not affect another', async () => {
    const s = await started();
    await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
    s.fake.failNext('POST', /^\/ari\/bridges$/, { status: 500, message: 'Unable to create bridge' });
    const failing = s.fake.placeCall({ from: CALLER, to: DIALED });
    // The failure is the first bridge asked for: the healthy call comes once the failing one asked
    // (placed together, either could reach the bridge step first).
    await waitFor(() => s.fake.requests.find((r) => r.kind === 'rest' && r.method === 'POST' && r.path === '/ari/bridges') ?? null, {
      what: 'the failing call asking for its bridge',
    });
    const healthy = s.fake.placeCall({ from: '+15551230001', to: DIALED });
    expect((await finalRow(s, failing.channelId)).status).toBe('failed');
    await waitFor(() => s.fake.bridges().find((b) => b.channels.includes(healthy.channelId) && b.channels.length === 2), {
      what: 'the healthy call to be bridged',
    });
    await rowWithStatus(s, healthy.channelId, 'answered');
  });
});
