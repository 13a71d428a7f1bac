// CallLog persistence through Prisma.
import type { PrismaClient } from '../db/index.js';
import type { CallRecord } from './call-record.js';
import type { CallLogStore } from './call-log-writer.js';
import type { CallEventSink } from './call-events.js';

/** With `events`, a business's record and the webhook events it reports are stored in one transaction. */
export function prismaCallLogStore(prisma: PrismaClient, events?: CallEventSink): CallLogStore {
  return {
    async save(record: CallRecord): Promise<void> {
      const { id, ...fields } = record;
      if (!events || record.businessId === null) {
        await prisma.callLog.upsert({ where: { id }, create: record, update: fields });
        return;
      }
      await prisma.$transaction(async (tx) => {
        await tx.callLog.upsert({ where: { id }, create: record, update: fields });
        await events.recordStored(tx, record);
      });
      events.committed();
    },
  };
}

/**
 * Closes the rows a previous run of the backend left open (it stopped without
 * finishing its calls). Their real end is unknown: ended_at is the time of
 * this reconciliation and duration_ms stays NULL.
 */
export async function closeRowsLeftOpen(prisma: PrismaClient, at: Date, events?: CallEventSink): Promise<number> {
  const where = { status: { in: ['ringing' as const, 'answered' as const] } };
  const data = {
    status: 'interrupted' as const,
    endedAt: at,
    hangupCause: 'backend_restart' as const,
    error: 'the backend stopped while the call was active',
  };
  if (!events) return (await prisma.callLog.updateMany({ where, data })).count;
  // Row by row, each with its call.ended event: the business hears that the call ended.
  const open = await prisma.callLog.findMany({ where });
  for (const row of open) {
    const record: CallRecord = {
      id: row.id,
      channelId: row.channelId,
      businessId: row.businessId,
      direction: row.direction,
      fromNumber: row.fromNumber,
      toNumber: row.toNumber,
      createdAt: row.createdAt,
      answeredAt: row.answeredAt,
      durationMs: row.durationMs,
      hangupCauseCode: row.hangupCauseCode,
      bridgeId: row.bridgeId,
      mediaChannelId: row.mediaChannelId,
      recordingPath: row.recordingPath,
      transferTarget: row.transferTarget,
      ...data,
    };
    await prisma.$transaction(async (tx) => {
      const { count } = await tx.callLog.updateMany({ where: { id: row.id, ...where }, data });
      if (count > 0) await events.recordStored(tx, record);
    });
  }
  if (open.length > 0) events.committed();
  return open.length;
}
