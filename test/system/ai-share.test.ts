// Gradual rollout end to end: a business's ai_share decides, in the backend, which
// inbound calls the agent answers and which go straight to the business's person
// (the dialplan's transfer context, unanswered); the row records the choice.
// 200 calls per share, through the ARI fake and the real gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/test-system.js';
import { createBusiness } from '../kit/calls.js';
import { waitFor } from '../kit/wait.js';

const CALLS = 200;
/** Calls in flight at once: enough to overlap, few enough for a loaded 2-core machine. */
const PARALLEL = 10;

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem();
  await system.waitReady();
}, 60_000);
afterAll(async () => {
  await system?.stop();
});

type Route = 'agent' | 'person';

/** One call: placed, routed (bridged with the gateway, or sent to the transfer context), then hung up by the caller. */
async function oneCall(to: string, index: number): Promise<Route> {
  const placed = system.fake.placeCall({ from: `+1555100${String(index).padStart(4, '0')}`, to });
  if (placed.outcome !== 'in-stasis') throw new Error('the call did not reach the Stasis application');
  const route = await waitFor(
    () => {
      const channel = system.fake.channel(placed.channelId);
      if (channel?.continuedTo) return 'person' as const;
      const bridged = system.fake.bridges().some((b) => b.channels.includes(placed.channelId) && b.channels.length === 2);
      // The media path is bridged while the caller rings: the agent has the call once it is answered too.
      return bridged && channel?.state === 'Up' ? ('agent' as const) : null;
    },
    { what: `call ${index} to be routed`, timeoutMs: 60_000 },
  );
  system.fake.hangupCaller(placed.channelId);
  return route;
}

async function callsAtShare(aiShare: number, dialed: string): Promise<{ routes: Route[]; businessId: string }> {
  const businessId = await createBusiness(system.prisma, `Rollout ${aiShare}`, [dialed], { transferTarget: 'PJSIP/100' });
  await system.prisma.business.update({ where: { id: businessId }, data: { aiShare } });
  const routes: Route[] = [];
  for (let first = 0; first < CALLS; first += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, CALLS - first) }, (_, offset) => oneCall(dialed, first + offset));
    routes.push(...(await Promise.all(batch)));
  }
  await waitFor(
    async () => ((await system.prisma.callLog.count({ where: { businessId, status: { notIn: ['ringing', 'answered'] } } })) === CALLS ? true : null),
    { what: `the ${CALLS} rows of share ${aiShare} to be final`, timeoutMs: 30_000 },
  );
  return { routes, businessId };
}

describe('ai_share: the backend splits inbound calls between the agent and the person', () => {
  it.each([
    [0, '+19863330000'],
    [50, '+19863330050'],
    [100, '+19863330100'],
  ])('at %i %% over 200 calls', async (aiShare, dialed) => {
    const { routes, businessId } = await callsAtShare(aiShare, dialed);
    const toAgent = routes.filter((route) => route === 'agent').length;
    // Within a few percent (the router is exact per block of 100 calls).
    expect(Math.abs(toAgent - (CALLS * aiShare) / 100)).toBeLessThanOrEqual(CALLS * 0.03);

    const rows = await system.prisma.callLog.findMany({ where: { businessId } });
    const people = rows.filter((row) => row.routedToHuman);
    expect(people).toHaveLength(CALLS - toAgent);
    for (const row of people) {
      expect(row).toMatchObject({ status: 'transferred', hangupCause: 'routed_to_human', transferTarget: 'PJSIP/100', answeredAt: null });
    }
    for (const row of rows.filter((r) => !r.routedToHuman)) expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup' });
    // A person's call is never answered by Asterisk for the agent and never reaches the gateway.
    expect(system.fake.violations).toEqual([]);
  }, 180_000);
});
