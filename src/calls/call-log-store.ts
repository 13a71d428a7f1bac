// CallLog persistence through Prisma.
import type { CallLog, Prisma, PrismaClient } from '../db/index.js';
import { OPEN_STATUSES, type AmdResult, type CallRecord, type HangupCause, type TransferOutcome } from './call-record.js';
import type { CallLogStore } from './call-log-writer.js';
import type { CallEventSink } from './call-events.js';
import { CALL_WRITE_TRANSACTION } from '../db/call-write-transaction.js';

/**
 * Stores the whole record, except over a row that is already closed: a closed row
 * never changes again. Two replicas can write one call's row (the replica that
 * lost a node's lease may still have a write in flight when the next one adopts
 * the call): whichever ends the call first decides its end. With `events`, a
 * business's record and the webhook events it reports are stored in one
 * transaction, and only when the record was written.
 */
export function prismaCallLogStore(prisma: PrismaClient, events?: CallEventSink): CallLogStore {
  return {
    async save(record: CallRecord): Promise<void> {
      if (!events || record.businessId === null) {
        await storeRecord(prisma, record);
        return;
      }
      const written = await prisma.$transaction(async (tx) => {
        const stored = await storeRecord(tx, record);
        if (stored) await events.recordStored(tx, record);
        return stored;
      }, CALL_WRITE_TRANSACTION);
      if (written) events.committed();
    },
  };
}

/** Writes the record unless its row is closed already; true when it was written. */
async function storeRecord(db: PrismaClient | Prisma.TransactionClient, record: CallRecord): Promise<boolean> {
  const { id, ...fields } = record;
  const updated = await db.callLog.updateMany({ where: { id, status: { in: [...OPEN_STATUSES] } }, data: fields });
  if (updated.count > 0) return true;
  const created = await db.callLog.createMany({ data: [record], skipDuplicates: true });
  return created.count > 0;
}

/** The open rows of a node's calls, oldest first: the calls a new lease holder adopts. */
export async function openRowsOfNode(prisma: PrismaClient, node: string): Promise<CallRecord[]> {
  const rows = await prisma.callLog.findMany({
    where: { node, status: { in: [...OPEN_STATUSES] } },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(recordOfRow);
}

/** The CallRecord a stored row holds (the columns the CallLogWriter writes). */
export function recordOfRow(row: CallLog): CallRecord {
  return {
    id: row.id,
    channelId: row.channelId,
    businessId: row.businessId,
    direction: row.direction,
    fromNumber: row.fromNumber,
    toNumber: row.toNumber,
    status: row.status,
    createdAt: row.createdAt,
    answeredAt: row.answeredAt,
    endedAt: row.endedAt,
    durationMs: row.durationMs,
    hangupCause: row.hangupCause as HangupCause | null,
    hangupCauseCode: row.hangupCauseCode,
    bridgeId: row.bridgeId,
    mediaChannelId: row.mediaChannelId,
    recordingPath: row.recordingPath,
    error: row.error,
    transferTarget: row.transferTarget,
    node: row.node,
    mediaGatewayUrl: row.mediaGatewayUrl,
    mediaSessionId: row.mediaSessionId,
    traceParent: row.traceParent,
    routedToHuman: row.routedToHuman,
    transferOutcome: row.transferOutcome as TransferOutcome | null,
    amdResult: row.amdResult as AmdResult | null,
    amdCause: row.amdCause,
    engine: row.engine,
  };
}

/**
 * Closes the rows a previous run of the backend left open (it stopped without
 * finishing its calls) and that no node's lease holder will adopt: rows written
 * before calls recorded their node. Their real end is unknown: ended_at is the
 * time of this reconciliation and duration_ms stays NULL.
 */
export async function closeRowsLeftOpen(prisma: PrismaClient, at: Date, events?: CallEventSink): Promise<number> {
  const where = { status: { in: ['ringing' as const, 'answered' as const] }, node: null };
  const data = {
    status: 'interrupted' as const,
    endedAt: at,
    hangupCause: 'backend_restart' as const,
    error: 'the backend stopped while the call was active',
  };
  if (!events) return (await prisma.callLog.updateMany({ where, data })).count;
  // Row by row, each with its call.ended event: the business hears that the call ended.
  const open = await prisma.callLog.findMany({ where });
  let closed = 0;
  for (const row of open) {
    const record: CallRecord = { ...recordOfRow(row), ...data };
    await prisma.$transaction(async (tx) => {
      const { count } = await tx.callLog.updateMany({ where: { id: row.id, ...where }, data });
      if (count === 0) return;
      closed += 1;
      await events.recordStored(tx, record);
    });
  }
  if (closed > 0) events.committed();
  return closed;
}
