// Failover: how long a node goes without a backend when the backend holding it
// dies, and what its callers hear meanwhile. Two Asterisk nodes (ARI fakes in
// this process, where the callers are), three gateways and two backends in
// their own processes (test/kit/cluster.ts); calls on both nodes; the holder of
// node A is killed with SIGKILL (test/kit/failover.ts).
// - takeover_ms: from the kill to the other backend holding node A with every
//   call adopted (its /ready says so); registered_ms: to the app registered again;
// - adopted_calls / dropped_calls: node A's calls the other backend holds, and
//   those whose row did not end `completed` once their caller hung up;
// - max_rtp_gap_ms: the longest silence any caller of node A heard from the
//   gateway between one second before the kill and one second after the
//   takeover (20 ms is a packet interval: nothing was lost).
import { createBusiness } from '../../test/kit/calls.js';
import { startCluster } from '../../test/kit/cluster.js';
import { killHolderAndWait, maxRtpGapMs, placeCalls } from '../../test/kit/failover.js';
import { startScratchDatabase } from '../../test/kit/scratch-database.js';
import { sleep } from '../../test/kit/sleep.js';
import { waitUntil } from '../../test/kit/wait.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { join } from 'node:path';

const DIALED = '+19863334949';
/** Audio before the kill and after the takeover that the gap is measured over. */
const MARGIN_MS = 1_000;

export const failoverSection: BenchSection = {
  name: 'failover',
  title: 'Failover: a backend killed mid-call, its node taken over',
  async run(context: BenchContext): Promise<SectionFields> {
    const callsPerNode = context.options.quick ? 3 : 10;
    const database = await startScratchDatabase({ databaseUrl: process.env.DATABASE_URL, embeddedDir: join(context.tempRoot, 'failover-pg') });
    const cluster = await startCluster({ database, nodes: ['a', 'b'], gateways: 3, backends: 2, tempRoot: context.tempRoot });
    context.cleanup.add('the failover cluster', () => cluster.stop());
    try {
      await createBusiness(cluster.db.prisma, 'Acme Dental', [DIALED]);
      await cluster.waitOwned((held) => new Set(held.values()).size === 2, { timeoutMs: 60_000 });
      const callsA = await placeCalls(cluster, 'a', DIALED, callsPerNode, 1);
      const callsB = await placeCalls(cluster, 'b', DIALED, callsPerNode, 1_000);
      // Let the audio settle into its steady state before the kill.
      await sleep(MARGIN_MS);
      const takeover = await killHolderAndWait(cluster, 'a', callsPerNode);
      await sleep(MARGIN_MS);
      const fakeA = cluster.asterisk('a');
      const gaps = callsA.map((call) => maxRtpGapMs(fakeA, call.mediaId, takeover.killedAtMs - MARGIN_MS, takeover.adoptedAtMs + MARGIN_MS));
      for (const call of [...callsA, ...callsB]) cluster.asterisk(call.node).hangupCaller(call.channelId);
      const prisma = cluster.db.prisma;
      await waitUntil(async () => (await prisma.callLog.count({ where: { status: { in: ['ringing', 'answered'] } } })) === 0, {
        timeoutMs: 60_000,
        what: 'every row to be closed',
      });
      const rowsA = await prisma.callLog.findMany({ where: { node: 'a' } });
      const dropped = rowsA.filter((row) => row.status !== 'completed' || row.hangupCause !== 'caller_hangup').length;
      const fields = {
        failover_calls_per_node: callsPerNode,
        takeover_ms: Math.round(takeover.adoptedAtMs - takeover.killedAtMs),
        registered_ms: Math.round(takeover.registeredAtMs - takeover.killedAtMs),
        adopted_calls: callsPerNode - dropped,
        dropped_calls: dropped,
        max_rtp_gap_ms: Math.round(Math.max(...gaps) * 10) / 10,
      };
      context.print(`calls per node                       ${callsPerNode} (node A: killed holder; node B: untouched)`);
      context.print(`takeover (kill -> node A held, calls adopted) ${fields.takeover_ms} ms   target < 5000 ms`);
      context.print(`  of which: app registered again      ${fields.registered_ms} ms`);
      context.print(`adopted / dropped calls              ${fields.adopted_calls} / ${fields.dropped_calls}`);
      context.print(`max RTP gap heard by node A callers  ${fields.max_rtp_gap_ms} ms (20 ms = one packet interval)`);
      return fields;
    } finally {
      await cluster.stop();
    }
  },
};
