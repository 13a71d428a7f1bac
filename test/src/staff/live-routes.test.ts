// The live view over real HTTP: calls placed through the ARI fake, a turn
// reported by the media gateway's internal API, and the server-sent events
// each business's staff receive (their own calls only), heartbeats, and
// streams that end with the session or the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendPaths, type TurnReport } from '../../../media/contract/backend.js';
import { postInternal } from '../../support/internal-call.js';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { StaffClient, createStaffAccount, openEventStream, type EventStreamReader, type StaffAccount } from '../../support/staff-api.js';
import { waitFor, waitUntil } from '../../kit/wait.js';

const NUMBER_A = '+19863334949';
const NUMBER_B = '+19863330000';
const CALLER = '+15551230000';

let system: TestSystem;
let accountA: StaffAccount;
let accountB: StaffAccount;

beforeAll(async () => {
  system = await startSystem({ backendEnv: { LIVE_EVENTS_HEARTBEAT_MS: '100' } });
  await system.waitReady();
  const businessA = await createBusiness(system.prisma, 'Acme Dental', [NUMBER_A]);
  const businessB = await createBusiness(system.prisma, 'Other Co', [NUMBER_B]);
  accountA = await createStaffAccount(system.prisma, businessA, { email: 'dana@acme.example' });
  accountB = await createStaffAccount(system.prisma, businessB, { email: 'bo@other.example' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function signedIn(account: StaffAccount): Promise<StaffClient> {
  const staff = new StaffClient(system.backend.url);
  expect((await staff.login(account.email, account.password)).status).toBe(200);
  return staff;
}

function eventOf(stream: EventStreamReader, type: string, callId: string): Promise<Record<string, unknown>> {
  return waitFor(
    () =>
      stream.events.find((e) => {
        const data = e.data as { callId?: string; call?: { id: string } };
        return e.event === type && (data.callId ?? data.call?.id) === callId;
      })?.data as Record<string, unknown> | undefined,
    { what: `${type} for ${callId}` },
  );
}

function callIdsSeen(stream: EventStreamReader): Set<string> {
  const ids = new Set<string>();
  for (const { data } of stream.events) {
    const d = data as { callId?: string; call?: { id: string }; calls?: { id: string }[] };
    if (d.callId) ids.add(d.callId);
    if (d.call) ids.add(d.call.id);
    for (const call of d.calls ?? []) ids.add(call.id);
  }
  return ids;
}

async function placeConnectedCall(to: string): Promise<{ channelId: string; callId: string }> {
  const call = system.fake.placeCall({ from: CALLER, to });
  const row = await waitFor(
    async () => {
      const found = await system.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
      return found?.bridgeId ? found : null;
    },
    { what: 'the call to be connected' },
  );
  return { channelId: call.channelId, callId: row.id };
}

describe('live calls', () => {
  it("streams a call's start, turn and end to its business only, and lists it while it lasts", async () => {
    const staffA = await signedIn(accountA);
    const staffB = await signedIn(accountB);
    const streamA = await openEventStream(`${system.backend.url}/api/live/events`, staffA.cookie);
    const streamB = await openEventStream(`${system.backend.url}/api/live/events`, staffB.cookie);
    try {
      expect(streamA.status).toBe(200);
      expect(streamA.contentType).toBe('text/event-stream; charset=utf-8');
      await waitUntil(() => streamA.events.length > 0 && streamB.events.length > 0, { what: 'the snapshots' });
      expect(streamA.events[0]).toEqual({ event: 'snapshot', data: { calls: [] } });

      const { channelId, callId } = await placeConnectedCall(NUMBER_A);
      const started = await eventOf(streamA, 'call.started', callId);
      expect(started).toMatchObject({ type: 'call.started', call: { id: callId, from: CALLER, to: NUMBER_A, lastTurn: null } });

      const listed = await staffA.request('GET', '/api/live');
      expect(listed.status).toBe(200);
      const [live] = (listed.body as { calls: Record<string, unknown>[] }).calls;
      expect(live).toMatchObject({ id: callId, status: 'answered', from: CALLER, to: NUMBER_A, lastTurn: null });
      expect(live!.durationMs).toEqual(expect.any(Number));
      expect((await staffB.request('GET', '/api/live')).body).toEqual({ calls: [] });

      const turn: TurnReport = {
        seq: 1,
        role: 'caller',
        text: 'I need to reschedule my cleaning.',
        startedAt: new Date().toISOString(),
        endedAt: null,
        interrupted: false,
        latency: null,
      };
      expect((await postInternal(system, backendPaths.turns(callId), turn)).status).toBe(204);
      const turnEvent = await eventOf(streamA, 'call.turn', callId);
      expect(turnEvent).toEqual({
        type: 'call.turn',
        callId,
        turn: { seq: 1, role: 'caller', text: 'I need to reschedule my cleaning.', interrupted: false },
      });
      const afterTurn = (await staffA.request('GET', '/api/live')).body as { calls: { lastTurn: unknown }[] };
      expect(afterTurn.calls[0]!.lastTurn).toEqual(turnEvent.turn);

      system.fake.hangupCaller(channelId);
      const ended = await eventOf(streamA, 'call.ended', callId);
      expect(ended).toMatchObject({ type: 'call.ended', callId, status: 'completed', durationMs: expect.any(Number) });
      expect((await staffA.request('GET', '/api/live')).body).toEqual({ calls: [] });

      // B's own call reaches B and not A.
      const other = await placeConnectedCall(NUMBER_B);
      await eventOf(streamB, 'call.started', other.callId);
      system.fake.hangupCaller(other.channelId);
      await eventOf(streamB, 'call.ended', other.callId);
      expect([...callIdsSeen(streamA)]).toEqual([callId]);
      expect([...callIdsSeen(streamB)]).toEqual([other.callId]);
    } finally {
      streamA.close();
      streamB.close();
    }
  });

  it('sends heartbeat comments, and cleans up when the client goes away', async () => {
    const staff = await signedIn(accountA);
    const closedBefore = system.logs.entries('live events stream closed').length;
    const stream = await openEventStream(`${system.backend.url}/api/live/events`, staff.cookie);
    await waitUntil(() => stream.comments.filter((c) => c === 'heartbeat').length >= 2, { what: 'two heartbeats' });
    stream.close();
    await waitUntil(() => system.logs.entries('live events stream closed').length === closedBefore + 1, {
      what: 'the server to close the stream',
    });
  });

  it('ends the stream when the session ends', async () => {
    const staff = await signedIn(accountA);
    const stream = await openEventStream(`${system.backend.url}/api/live/events`, staff.cookie);
    try {
      await waitUntil(() => stream.events.length > 0, { what: 'the snapshot' });
      expect((await staff.request('DELETE', '/api/session')).status).toBe(204);
      await waitUntil(() => stream.ended, { what: 'the stream to end' });
      expect(stream.events.at(-1)).toEqual({ event: 'session.ended', data: { reason: 'the session ended; sign in again' } });
    } finally {
      stream.close();
    }
  });

  it('refuses a stream without a session', async () => {
    const stream = await openEventStream(`${system.backend.url}/api/live/events`, null);
    expect(stream.status).toBe(401);
    expect(stream.contentType).toBe('application/json; charset=utf-8');
  });

  it('closes open streams when the backend stops', async () => {
    const staff = await signedIn(accountA);
    const stream = await openEventStream(`${system.backend.url}/api/live/events`, staff.cookie);
    await waitUntil(() => stream.events.length > 0, { what: 'the snapshot' });
    await system.stop();
    await waitUntil(() => stream.ended, { what: 'the stream to end with the server' });
  });
});
