// CallLog persistence through Prisma.
import type { CallLog, PrismaClient } from '../db/index.js';
import { OPEN_STATUSES, type AmdResult, type CallRecord, type HangupCause, type TransferOutcome } from './call-record.js';
import type { CallLogStore } from './call-log-writer.js';

/**
 * Stores the whole record, except over a row that is already closed: a closed row
 * never changes again. Two replicas can write one call's row (the replica that
 * lost a node's lease may still have a write in flight when the next one adopts
 * the call): whichever ends the call first decides its end.
 */
export function prismaCallLogStore(prisma: PrismaClient): CallLogStore {
  return {
    async save(record: CallRecord): Promise<void> {
      const { id, ...fields } = record;
      const updated = await prisma.callLog.updateMany({ where: { id, status: { in: [...OPEN_STATUSES] } }, data: fields });
      if (updated.count > 0) return;
      await prisma.callLog.createMany({ data: [record], skipDuplicates: true });
    },
  };
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
  };
}

/**
 * Closes the rows a previous run of the backend left open (it stopped without
 * finishing its calls) and that no node's lease holder will adopt: rows written
 * before calls recorded their node. Their real end is unknown: ended_at is the
 * time of this reconciliation and duration_ms stays NULL.
 */
export async function closeRowsLeftOpen(prisma: PrismaClient, at: Date): Promise<number> {
  const result = await prisma.callLog.updateMany({
    where: { status: { in: ['ringing', 'answered'] }, node: null },
    data: {
      status: 'interrupted',
      endedAt: at,
      hangupCause: 'backend_restart',
      error: 'the backend stopped while the call was active',
    },
  });
  return result.count;
}
