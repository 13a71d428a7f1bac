// The gradual rollout with two backend replicas: two Asterisk nodes (ARI
// fakes), one held by each backend, one gateway, one database. A business at
// 50 % gets 200 calls spread over both nodes, so each backend routes about half
// of them; the split is still exact per 100 calls of the business, because the
// block lives in PostgreSQL (ai_share_blocks), not in either backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../kit/calls.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { waitFor } from '../kit/wait.js';
import { createTestDatabase } from '../support/db.js';

const DIALED = '+19863335050';
const CALLS = 200;
/** Calls in flight at once: enough to overlap on both replicas, few enough for a loaded 2-core machine. */
const PARALLEL = 10;
const LONG_MS = 60_000;

type Route = 'agent' | 'person';

let cluster: Cluster;
let businessId: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  cluster = await startCluster({
    database: { url: database.url, description: `test database ${database.name}`, close: () => database.drop() },
    nodes: ['a', 'b'],
    gateways: 1,
    backends: 2,
    // On a loaded machine setups are slow; this test is about the split, timeouts are tested elsewhere.
    backendEnv: { CALL_SETUP_TIMEOUT_MS: '60000', ARI_REQUEST_TIMEOUT_MS: '15000', MEDIA_GATEWAY_TIMEOUT_MS: '15000', EXTERNAL_MEDIA_STASIS_TIMEOUT_MS: '15000' },
  });
  businessId = await createBusiness(cluster.db.prisma, 'Rollout across replicas', [DIALED], { transferTarget: 'PJSIP/100' });
  await cluster.db.prisma.business.update({ where: { id: businessId }, data: { aiShare: 50 } });
  // One node each: every call of node a is routed by one backend, every call of node b by the other.
  await cluster.waitOwned((held) => new Set(held.values()).size === 2, { timeoutMs: LONG_MS });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

/** One call on `node`: placed, routed (bridged with the gateway, or sent to the transfer context), then hung up by the caller. */
async function oneCall(node: string, index: number): Promise<Route> {
  const fake = cluster.asterisk(node);
  const placed = fake.placeCall({ from: `+1555200${String(index).padStart(4, '0')}`, to: DIALED });
  if (placed.outcome !== 'in-stasis') throw new Error('the call did not reach the Stasis application');
  const route = await waitFor(
    () => {
      const channel = fake.channel(placed.channelId);
      if (channel?.continuedTo) return 'person' as const;
      // A call that failed ends the wait at once, with what its row says.
      if (!channel?.live) throw new Error(`call ${index} on node ${node} ended before it was routed`);
      const bridged = fake.bridges().some((b) => b.channels.includes(placed.channelId) && b.channels.length === 2);
      // The media path is bridged while the caller rings: the agent has the call once it is answered too.
      return bridged && channel?.state === 'Up' ? ('agent' as const) : null;
    },
    { what: `call ${index} on node ${node} to be routed`, timeoutMs: LONG_MS },
  );
  fake.hangupCaller(placed.channelId);
  return route;
}

describe('ai_share with two backend replicas', () => {
  it('splits 200 calls spread over both replicas exactly 100 / 100', async () => {
    const routes: { node: string; route: Route }[] = [];
    for (let first = 0; first < CALLS; first += PARALLEL) {
      const batch = Array.from({ length: PARALLEL }, (_, offset) => {
        const index = first + offset;
        const node = index % 2 === 0 ? 'a' : 'b';
        return oneCall(node, index).then((route) => ({ node, route }));
      });
      routes.push(...(await Promise.all(batch)));
    }
    // Both replicas routed calls, and sent some to each side (neither kept a block of its own).
    for (const node of ['a', 'b']) {
      const ofNode = routes.filter((call) => call.node === node);
      expect(ofNode).toHaveLength(CALLS / 2);
      expect(ofNode.some((call) => call.route === 'agent')).toBe(true);
      expect(ofNode.some((call) => call.route === 'person')).toBe(true);
    }
    expect(routes.filter((call) => call.route === 'agent')).toHaveLength(CALLS / 2);

    await waitFor(
      async () => ((await cluster.db.prisma.callLog.count({ where: { businessId, status: { notIn: ['ringing', 'answered'] } } })) === CALLS ? true : null),
      { what: `the ${CALLS} rows to be final`, timeoutMs: LONG_MS },
    );
    const rows = await cluster.db.prisma.callLog.findMany({ where: { businessId } });
    expect(rows.filter((row) => row.routedToHuman)).toHaveLength(CALLS / 2);
    expect(new Set(rows.map((row) => row.node))).toEqual(new Set(['a', 'b']));
    // Two whole blocks: the shared block is back at its last slot.
    expect(await cluster.db.prisma.aiShareBlock.findUnique({ where: { businessId } })).toMatchObject({ share: 50, position: 99 });
    for (const node of ['a', 'b']) expect(cluster.asterisk(node).violations).toEqual([]);
  }, 10 * LONG_MS);
});
