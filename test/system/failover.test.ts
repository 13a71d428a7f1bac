// High availability, as machines fail: two Asterisk nodes (ARI fakes), three
// media gateways and two backend replicas, each program in its own process on
// 127.0.0.1, one database. Calls on both nodes; the backend holding node A is
// killed with SIGKILL mid-call. The other backend takes node A over and adopts
// its calls: the callers' audio never stops (the media never depended on a
// backend), every row ends correctly when the callers hang up, and node B's
// calls never notice. How long the takeover took is the bench's business
// (`npm run bench -- --only failover`), never asserted here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../kit/calls.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import {
  connectedRow,
  gatewayPacketsIn,
  holderOf,
  killHolderAndWait,
  openGatewaySessions,
  placeCalls,
  type PlacedCall,
  type Takeover,
} from '../kit/failover.js';
import { waitUntil } from '../kit/wait.js';
import { createTestDatabase } from '../support/db.js';

const DIALED = '+19863334949';
const CALLS_PER_NODE = 2;
/** Packets the caller side must hear after the takeover: one second of audio. */
const PACKETS_AFTER = 50;
const LONG_MS = 60_000;

let cluster: Cluster;
let callsA: PlacedCall[];
let callsB: PlacedCall[];
let takeover: Takeover;
let bUpgradesBefore: number;
let bRequestSeqAtKill: number;
let bOwner: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  cluster = await startCluster({
    database: { url: database.url, description: `test database ${database.name}`, close: () => database.drop() },
    nodes: ['a', 'b'],
    gateways: 3,
    backends: 2,
  });
  await createBusiness(cluster.db.prisma, 'Acme Dental', [DIALED]);
  // One node each: the replicas share the nodes out between them.
  const owners = await cluster.waitOwned((held) => new Set(held.values()).size === 2, { timeoutMs: LONG_MS });
  bOwner = owners.get('b')!.replicaId;
  callsA = await placeCalls(cluster, 'a', DIALED, CALLS_PER_NODE, 1);
  callsB = await placeCalls(cluster, 'b', DIALED, CALLS_PER_NODE, 100);
  const fakeB = cluster.asterisk('b');
  bUpgradesBefore = fakeB.requests.filter((r) => r.kind === 'events-ws' && r.status === 101).length;
  bRequestSeqAtKill = fakeB.requests.at(-1)?.seq ?? 0;
  takeover = await killHolderAndWait(cluster, 'a', CALLS_PER_NODE);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('the backend holding node A dies mid-call', { timeout: 2 * LONG_MS }, () => {
  it('is replaced on node A by the other backend, which adopts the calls in progress', async () => {
    expect(takeover.killed.process.running()).toBe(false);
    expect(takeover.newHolder).not.toBe(takeover.killed);
    expect(takeover.newHolder.replicaId).toBe(bOwner);
    const holder = await holderOf(cluster, 'a');
    expect(holder?.backend).toBe(takeover.newHolder);
    expect(holder?.calls).toBe(CALLS_PER_NODE);
    // Adopted, not set up again: the same channels, bridges and gateway sessions.
    const fakeA = cluster.asterisk('a');
    for (const call of callsA) {
      const row = await connectedRow(cluster, call.channelId);
      expect(row).toMatchObject({ node: 'a', mediaChannelId: call.mediaId });
      expect(fakeA.channel(call.channelId)).toMatchObject({ live: true, inStasis: true, bridgeId: row.bridgeId });
      expect(fakeA.channel(call.mediaId)).toMatchObject({ live: true, inStasis: true, bridgeId: row.bridgeId });
    }
    expect(fakeA.restRequests({ method: 'POST', pathPrefix: '/ari/channels/externalMedia' })).toHaveLength(CALLS_PER_NODE);
    expect(fakeA.restRequests({ method: 'DELETE' })).toEqual([]);
  });

  it('keeps the audio of node A flowing both ways through the takeover', async () => {
    const fakeA = cluster.asterisk('a');
    for (const call of callsA) {
      const row = await connectedRow(cluster, call.channelId);
      const heardAtTakeover = fakeA.rtpHeard(call.mediaId).length;
      const inAtTakeover = await gatewayPacketsIn(cluster, row);
      // The caller's side kept hearing the gateway while no backend held the node ...
      const heardMeanwhile = fakeA.rtpHeard(call.mediaId).filter((p) => p.atMs > takeover.killedAtMs && p.atMs < takeover.adoptedAtMs);
      expect(heardMeanwhile.length).toBeGreaterThan(0);
      // ... and goes on hearing it, while the gateway goes on receiving the caller.
      await waitUntil(() => fakeA.rtpHeard(call.mediaId).length >= heardAtTakeover + PACKETS_AFTER, {
        timeoutMs: LONG_MS,
        what: `the caller of ${call.channelId} to hear the gateway after the takeover`,
      });
      await waitUntil(async () => (await gatewayPacketsIn(cluster, row)) >= inAtTakeover + PACKETS_AFTER, {
        timeoutMs: LONG_MS,
        what: `the gateway to receive the caller of ${call.channelId} after the takeover`,
      });
    }
  });

  it('leaves node B and its calls alone', async () => {
    const fakeB = cluster.asterisk('b');
    // No new events socket, and not one request about node B's calls since the kill.
    expect(fakeB.requests.filter((r) => r.kind === 'events-ws' && r.status === 101)).toHaveLength(bUpgradesBefore);
    const touching = fakeB.requests.filter(
      (r) => r.seq > bRequestSeqAtKill && r.kind === 'rest' && callsB.some((call) => r.path.includes(call.channelId) || r.path.includes(call.mediaId)),
    );
    expect(touching).toEqual([]);
    for (const call of callsB) {
      const heard = fakeB.rtpHeard(call.mediaId).length;
      await waitUntil(() => fakeB.rtpHeard(call.mediaId).length >= heard + PACKETS_AFTER, {
        timeoutMs: LONG_MS,
        what: `the caller of ${call.channelId} on node B to go on hearing the gateway`,
      });
      expect((await connectedRow(cluster, call.channelId)).status).toBe('answered');
    }
  });

  it('ends every row correctly once the callers hang up, and leaves nothing open', async () => {
    for (const call of [...callsA, ...callsB]) cluster.asterisk(call.node).hangupCaller(call.channelId);
    const prisma = cluster.db.prisma;
    await waitUntil(async () => (await prisma.callLog.count({ where: { status: { in: ['ringing', 'answered'] } } })) === 0, {
      timeoutMs: LONG_MS,
      what: 'every row to be closed',
    });
    const rows = await prisma.callLog.findMany({ orderBy: { createdAt: 'asc' } });
    expect(rows).toHaveLength(2 * CALLS_PER_NODE);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup', error: null });
      expect(row.durationMs).toBeGreaterThan(0);
    }
    for (const fake of cluster.asterisks.values()) {
      await fake.waitFor(() => fake.channels().length === 0 && fake.bridges().length === 0, {
        timeoutMs: LONG_MS,
        what: 'every channel and bridge released',
      });
      expect(fake.violations).toEqual([]);
    }
    await waitUntil(async () => (await openGatewaySessions(cluster)) === 0, { timeoutMs: LONG_MS, what: 'every gateway session closed' });
  });
});
