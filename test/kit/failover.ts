// The failover scenario on a started cluster (cluster.ts), shared by the
// simulation test and the bench: calls placed on a node, the backend holding
// that node killed mid-call, and what the callers hear meanwhile.
import type { CallLog } from '../../src/db/index.js';
import { bearer, SessionStats } from '../../media/contract/sessions.js';
import type { FakeAsterisk } from '../fakes/ari/index.js';
import { placeBridgedCall } from './calls.js';
import type { Cluster, ClusterBackend } from './cluster.js';
import { nodeReports } from './cluster.js';
import { waitFor, waitUntil } from './wait.js';

export interface PlacedCall {
  readonly node: string;
  readonly channelId: string;
  /** The externalMedia channel: where the caller's side hears the gateway. */
  readonly mediaId: string;
}

/** Places `count` calls on `node` and waits until each is bridged and its row records its gateway session. */
export async function placeCalls(cluster: Cluster, node: string, to: string, count: number, firstCaller: number): Promise<PlacedCall[]> {
  const fake = cluster.asterisk(node);
  const calls: PlacedCall[] = [];
  for (let index = 0; index < count; index += 1) {
    const from = `+1555${String(firstCaller + index).padStart(7, '0')}`;
    const bridged = await placeBridgedCall(fake, { from, to }, { timeoutMs: 20_000 });
    calls.push({ node, ...bridged });
  }
  for (const call of calls) await connectedRow(cluster, call.channelId);
  return calls;
}

/** The call's row once it records the gateway session (the setup's last write). */
export function connectedRow(cluster: Cluster, channelId: string): Promise<CallLog> {
  return waitFor(
    async () => {
      const row = await cluster.db.prisma.callLog.findUnique({ where: { channelId } });
      return row?.status === 'answered' && row.mediaSessionId !== null ? row : null;
    },
    { timeoutMs: 20_000, what: `the connected row of ${channelId}` },
  );
}

/** The live backend whose /ready says it holds `node`, with the number of calls it holds there. */
export async function holderOf(cluster: Cluster, node: string): Promise<{ backend: ClusterBackend; calls: number } | null> {
  for (const backend of cluster.backends) {
    if (!backend.process.running()) continue;
    const report = (await nodeReports(backend.url)).find((candidate) => candidate.name === node);
    if (report?.owner === 'this replica' && report.problem === null) return { backend, calls: report.calls };
  }
  return null;
}

export interface Takeover {
  readonly killed: ClusterBackend;
  /** performance.now() of the kill. */
  readonly killedAtMs: number;
  /** When the node's app was registered again on its Asterisk. */
  readonly registeredAtMs: number;
  /** When the new holder reported holding every call of the node. */
  readonly adoptedAtMs: number;
  readonly newHolder: ClusterBackend;
}

/** Kills the backend holding `node` with SIGKILL and waits until another one holds the node and its `calls`. */
export async function killHolderAndWait(cluster: Cluster, node: string, calls: number): Promise<Takeover> {
  const holder = await holderOf(cluster, node);
  if (!holder) throw new Error(`no backend holds node ${node}`);
  const fake = cluster.asterisk(node);
  const killedAtMs = performance.now();
  await holder.backend.kill();
  await waitUntil(() => !fake.isRegistered(), { timeoutMs: 10_000, intervalMs: 1, what: `the killed backend's socket on node ${node} to close` });
  await waitUntil(() => fake.isRegistered(), { timeoutMs: 30_000, intervalMs: 1, what: `node ${node} to be registered again` });
  const registeredAtMs = performance.now();
  const adopted = await waitFor(
    async () => {
      const found = await holderOf(cluster, node);
      return found && found.backend !== holder.backend && found.calls >= calls ? found : null;
    },
    { timeoutMs: 30_000, intervalMs: 20, what: `another backend to hold node ${node} and its ${calls} calls` },
  );
  return { killed: holder.backend, killedAtMs, registeredAtMs, adoptedAtMs: performance.now(), newHolder: adopted.backend };
}

/** Longest silence (ms) between packets the caller's side heard from the gateway within [fromMs, toMs]. */
export function maxRtpGapMs(fake: FakeAsterisk, mediaId: string, fromMs: number, toMs: number): number {
  const times = fake.rtpHeard(mediaId).map((packet) => packet.atMs).filter((at) => at >= fromMs && at <= toMs);
  if (times.length === 0) return toMs - fromMs;
  let gap = Math.max(times[0]! - fromMs, toMs - times.at(-1)!);
  for (let index = 1; index < times.length; index += 1) gap = Math.max(gap, times[index]! - times[index - 1]!);
  return gap;
}

/** Packets the gateway received from Asterisk for the call's session so far. */
export async function gatewayPacketsIn(cluster: Cluster, row: Pick<CallLog, 'mediaGatewayUrl' | 'mediaSessionId'>): Promise<number> {
  if (!row.mediaGatewayUrl || !row.mediaSessionId) throw new Error('the row names no gateway session');
  const response = await fetch(`${row.mediaGatewayUrl}/sessions/${encodeURIComponent(row.mediaSessionId)}/stats`, {
    headers: { authorization: bearer(cluster.gatewayToken) },
  });
  if (!response.ok) throw new Error(`gateway answered ${response.status} for session ${row.mediaSessionId}`);
  return SessionStats.parse(await response.json()).packetsIn;
}

/** Sessions every gateway still has open. */
export async function openGatewaySessions(cluster: Cluster): Promise<number> {
  let open = 0;
  for (const gateway of cluster.gateways) {
    const response = await fetch(`${gateway.url}/sessions`, { headers: { authorization: bearer(cluster.gatewayToken) } });
    open += ((await response.json()) as { sessions: unknown[] }).sessions.length;
  }
  return open;
}
