// What the replicas share through the database besides the leases: who took
// which node (node_owners), and which calls are in progress on any node.
import type { PrismaClient } from '../db/index.js';
import { OPEN_STATUSES } from '../calls/call-record.js';

export interface NodeOwnerRecord {
  node: string;
  replicaId: string;
  replicaUrl: string | null;
}

/** Written by the replica that just took the node's lease. */
export async function recordNodeOwner(prisma: PrismaClient, owner: NodeOwnerRecord): Promise<void> {
  const fields = { replicaId: owner.replicaId, replicaUrl: owner.replicaUrl, acquiredAt: new Date() };
  await prisma.nodeOwner.upsert({ where: { node: owner.node }, create: { node: owner.node, ...fields }, update: fields });
}

/** The replica that last took `node` (it may have lost the lease since). */
export async function nodeOwner(prisma: PrismaClient, node: string): Promise<NodeOwnerRecord | null> {
  const row = await prisma.nodeOwner.findUnique({ where: { node } });
  return row ? { node: row.node, replicaId: row.replicaId, replicaUrl: row.replicaUrl } : null;
}

/** Of `callIds`, those whose CallLog row is open (a call in progress on some node). */
export async function openCallIds(prisma: PrismaClient, callIds: readonly string[]): Promise<ReadonlySet<string>> {
  const uuids = callIds.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (uuids.length === 0) return new Set();
  const rows = await prisma.callLog.findMany({
    where: { id: { in: uuids }, status: { in: [...OPEN_STATUSES] } },
    select: { id: true },
  });
  return new Set(rows.map((row) => row.id));
}
