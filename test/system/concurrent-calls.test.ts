// 100 concurrent calls across several businesses: every call reaches its own
// business, its own bridge and its own gateway session, with no cross-talk,
// and every row is closed at the end.
import { afterEach, describe, expect, it } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from '../support/test-system.js';
import { waitUntil } from '../kit/wait.js';

const CALLS = 100;
const BUSINESSES = 4;

let system: TestSystem | null = null;
afterEach(async () => {
  await system?.stop();
  system = null;
});

describe('100 concurrent calls', () => {
  it('are isolated from each other and all end with a closed row', async () => {
    // The whole system shares this process. On a loaded machine its event loop stalls for
    // seconds, and the short timeouts of the test system (2 s per ARI request) would fail calls that
    // are only slow: this test is about isolation, timeouts are tested elsewhere. So the
    // keep-alive timings (no reconnection mid-calls) and the timeouts are the relaxed ones.
    const s = (system = await startSystem({
      backendEnv: {
        ARI_PING_INTERVAL_MS: '3000',
        ARI_PONG_TIMEOUT_MS: '7000',
        ARI_REQUEST_TIMEOUT_MS: '15000',
        EXTERNAL_MEDIA_STASIS_TIMEOUT_MS: '15000',
        MEDIA_GATEWAY_TIMEOUT_MS: '15000',
        CALL_SETUP_TIMEOUT_MS: '60000',
      },
    }));
    await s.waitReady();
    const numberOwner = new Map<string, string>();
    for (let b = 0; b < BUSINESSES; b += 1) {
      const numbers = [`+1986333${String(4000 + b * 2).padStart(4, '0')}`, `+1986333${String(4001 + b * 2).padStart(4, '0')}`];
      const id = await createBusiness(s.prisma, `Business ${b}`, numbers);
      for (const n of numbers) numberOwner.set(n, id);
    }
    const dialable = [...numberOwner.keys()];

    const calls = Array.from({ length: CALLS }, (_, i) => {
      const to = dialable[i % dialable.length] as string;
      const from = `+1555${String(1000000 + i)}`;
      return { to, from, ...s.fake.placeCall({ from, to }) };
    });
    // Every call is either connected (its row has its bridge) or over: a call that failed is
    // reported with its error at once, instead of the wait running out.
    const settled = async () =>
      (await s.prisma.callLog.findMany()).filter((row) => row.bridgeId !== null || !['ringing', 'answered'].includes(row.status));
    await waitUntil(async () => (await settled()).length === CALLS, { timeoutMs: 60_000, what: `${CALLS} calls to be connected or over` });
    expect((await settled()).filter((row) => row.status !== 'answered').map((row) => `${row.status}: ${row.error}`)).toEqual([]);
    await waitUntil(() => s.fake.bridges().filter((b) => b.channels.length === 2).length === CALLS, {
      what: `${CALLS} bridged calls`,
    });

    // Each bridge holds one caller and the externalMedia channel created for that caller.
    const mediaOf = new Map<string, string>();
    for (const bridge of s.fake.bridges()) {
      const kinds = bridge.channels.map((id) => s.fake.channel(id)?.kind).sort();
      expect(kinds).toEqual(['caller', 'external-media']);
      const caller = bridge.channels.find((id) => s.fake.channel(id)?.kind === 'caller') as string;
      mediaOf.set(caller, bridge.channels.find((id) => id !== caller) as string);
    }
    expect(mediaOf.size).toBe(CALLS);

    for (const media of mediaOf.values()) s.fake.startCallerAudio(media);
    const sessions = s.gateway.sessions.list();
    expect(sessions).toHaveLength(CALLS);
    await waitUntil(() => sessions.every((x) => (s.gateway.sessions.get(x.sessionId)?.stats().packetsIn ?? 0) >= 5), {
      timeoutMs: 20_000,
      what: 'RTP in every gateway session',
    });
    // No cross-talk: each session receives exactly the stream its own channel sends, from its own address.
    const rows = await s.prisma.callLog.findMany();
    const callIdByChannel = new Map(rows.map((r) => [r.channelId, r.id]));
    for (const call of calls) {
      const media = s.fake.channel(mediaOf.get(call.channelId) as string);
      const session = sessions.find((x) => x.callId === callIdByChannel.get(call.channelId));
      expect(session?.remote).toEqual({ host: media?.localAddress, port: media?.localPort });
      expect(s.gateway.sessions.get(session!.sessionId)?.stats().ssrc).toBe(s.fake.rtpSent(media!.id).ssrc);
    }
    expect(s.gateway.sessions.gatewayStats().foreignSource).toBe(0);

    for (const call of calls) s.fake.hangupCaller(call.channelId);
    await waitUntil(
      async () => (await s.prisma.callLog.count({ where: { status: { in: ['ringing', 'answered'] } } })) === 0 &&
        (await s.prisma.callLog.count()) === CALLS,
      { timeoutMs: 60_000, what: 'every row to be closed' },
    );
    const final = await s.prisma.callLog.findMany();
    expect(final.every((r) => r.status === 'completed')).toBe(true);
    for (const call of calls) {
      const row = final.find((r) => r.channelId === call.channelId);
      expect(row?.businessId).toBe(numberOwner.get(call.to));
      expect(row?.fromNumber).toBe(call.from);
    }
    await waitUntil(() => s.fake.bridges().length === 0 && s.fake.channels().length === 0 && s.gateway.sessions.size === 0, {
      timeoutMs: 20_000,
      what: 'every resource to be released',
    });
    expect(s.fake.violations).toEqual([]);
  }, 180_000);
});
