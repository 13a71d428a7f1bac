// CallLog persistence through Prisma.
import type { PrismaClient } from '../db/index.js';
import type { CallRecord } from './call-record.js';
import type { CallLogStore } from './call-log-writer.js';

export function prismaCallLogStore(prisma: PrismaClient): CallLogStore {
  return {
    async save(record: CallRecord): Promise<void> {
      const { id, ...fields } = record;
      await prisma.callLog.upsert({ where: { id }, create: record, update: fields });
    },
  };
}

/**
 * Closes the rows a previous run of the backend left open (it stopped without
 * finishing its calls). Their real end is unknown: ended_at is the time of
 * this reconciliation and duration_ms stays NULL.
 */
export async function closeRowsLeftOpen(prisma: PrismaClient, at: Date): Promise<number> {
  const result = await prisma.callLog.updateMany({
    where: { status: { in: ['ringing', 'answered'] } },
    data: {
      status: 'interrupted',
      endedAt: at,
      hangupCause: 'backend_restart',
      error: 'the backend stopped while the call was active',
    },
  });
  return result.count;
}
