// Losing a media gateway mid-call: one Asterisk node (ARI fake, real UDP), two
// gateways and one backend, each program in its own process. The gateway holding
// a call is killed with SIGKILL while the caller speaks: the backend moves the
// call to the other gateway (a new externalMedia channel in the same bridge, the
// old one hung up), the caller hears the agent again, and the row ends as a
// normal call when the caller hangs up. With no gateway left the row ends
// media_lost. How fast the move is belongs to the bench, never asserted here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, finalCallRow } from '../kit/calls.js';
import { startCluster, type Cluster, type ClusterGateway } from '../kit/cluster.js';
import { connectedRow, placeCalls } from '../kit/failover.js';
import { waitFor } from '../kit/wait.js';
import { createTestDatabase } from '../support/db.js';

const DIALED = '+19863334950';
const LONG_MS = 60_000;

let cluster: Cluster;

beforeAll(async () => {
  const database = await createTestDatabase();
  cluster = await startCluster({
    database: { url: database.url, description: `test database ${database.name}`, close: () => database.drop() },
    nodes: ['a'],
    gateways: 2,
    backends: 1,
  });
  await createBusiness(cluster.db.prisma, 'Acme Dental', [DIALED]);
  await cluster.waitOwned(undefined, { timeoutMs: LONG_MS });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

function gatewayOf(url: string | null): ClusterGateway {
  const gateway = cluster.gateways.find((candidate) => candidate.url === url);
  if (!gateway) throw new Error(`no gateway at ${url}`);
  return gateway;
}

describe('a media gateway lost mid-call', () => {
  it('moves the call to another gateway: new channel in the same bridge, the caller hears the agent again', async () => {
    const fake = cluster.asterisk('a');
    const [call] = await placeCalls(cluster, 'a', DIALED, 1, 1);
    fake.startCallerAudio(call!.mediaId, { loop: true });
    const before = await connectedRow(cluster, call!.channelId);
    const lost = gatewayOf(before.mediaGatewayUrl);
    await fake.waitFor(() => fake.rtpHeard(call!.mediaId).length > 10, { what: 'the echo on the first gateway' });

    lost.process.child.kill('SIGKILL');
    await lost.process.exited;

    const moved = await waitFor(
      async () => {
        const row = await cluster.db.prisma.callLog.findUnique({ where: { channelId: call!.channelId } });
        return row && row.mediaChannelId !== before.mediaChannelId && row.mediaGatewayUrl !== before.mediaGatewayUrl ? row : null;
      },
      { timeoutMs: 20_000, what: 'the row to name the new gateway and channel' },
    );
    expect(moved.status).toBe('answered');
    expect(cluster.gateways.map((g) => g.url)).toContain(moved.mediaGatewayUrl);
    const newMedia = moved.mediaChannelId!;
    // The same bridge now holds the caller and the new channel; the old channel is gone.
    const bridge = fake.bridges().find((b) => b.id === before.bridgeId)!;
    expect(new Set(bridge.channels)).toEqual(new Set([call!.channelId, newMedia]));
    expect(fake.channels().some((channel) => channel.id === call!.mediaId)).toBe(false);
    // The caller's audio now reaches the new gateway, and its echo comes back.
    fake.startCallerAudio(newMedia, { loop: true });
    await fake.waitFor(() => fake.rtpHeard(newMedia).length > 10, { timeoutMs: 10_000, what: 'the caller to hear the new gateway' });

    fake.hangupCaller(call!.channelId);
    const final = await finalCallRow(cluster.db.prisma, call!.channelId, { timeoutMs: 20_000 });
    expect(final.status).toBe('completed');
    expect(final.hangupCause).toBe('caller_hangup');
    expect(final.error).toBeNull();
  }, 90_000);

  it('ends the call media_lost when no gateway is left', async () => {
    const fake = cluster.asterisk('a');
    const [call] = await placeCalls(cluster, 'a', DIALED, 1, 50);
    for (const gateway of cluster.gateways) {
      if (!gateway.process.running()) continue;
      gateway.process.child.kill('SIGKILL');
      await gateway.process.exited;
    }
    const final = await finalCallRow(cluster.db.prisma, call!.channelId, { timeoutMs: 20_000 });
    expect(final.hangupCause).toBe('media_lost');
    expect(final.error).toContain('media gateway lost');
    await fake.waitFor(() => fake.channels().every((channel) => channel.id !== call!.channelId), { what: 'the caller to be hung up' });
  }, 90_000);
});
