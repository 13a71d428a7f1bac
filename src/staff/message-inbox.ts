// The messages the agent took for a business, as an inbox: newest first, to
// call back or already called back (who and when), keyset-paginated on
// (created_at, id) through call_messages(business_id, created_at DESC).
import { Prisma, type PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AuditActor, AuditLog } from './audit-log.js';

export type InboxFilter = 'open' | 'done' | 'all';

export interface InboxMessage {
  id: string;
  callId: string;
  callerName: string;
  callbackNumber: string;
  reason: string;
  createdAt: string;
  calledBackAt: string | null;
  calledBackBy: string | null;
  /** The transcript was deleted (retention or on request): the contents are gone. */
  deleted: boolean;
}

export interface InboxPage {
  messages: InboxMessage[];
  nextCursor: string | null;
  /** Messages still to call back (whatever the filter). */
  openCount: number;
}

const PAGE_SIZE = 25;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(text: string | null): { at: string; id: string } | null {
  if (!text) return null;
  const [at = '', id = ''] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  return Number.isNaN(Date.parse(at)) || !UUID.test(id) ? null : { at, id };
}

export class MessageInbox {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  async list(businessId: string, filter: InboxFilter, cursorText: string | null): Promise<InboxPage> {
    const conditions = [Prisma.sql`m.business_id = ${businessId}::uuid`];
    if (filter === 'open') conditions.push(Prisma.sql`m.called_back_at IS NULL`);
    if (filter === 'done') conditions.push(Prisma.sql`m.called_back_at IS NOT NULL`);
    const cursor = decodeCursor(cursorText);
    if (cursor) conditions.push(Prisma.sql`(m.created_at, m.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
    const [rows, open] = await Promise.all([
      this.prisma.$queryRaw<
        { id: string; call_id: string; caller_name: string; callback_number: string; reason: string; created_at: Date; called_back_at: Date | null; called_back_by: string | null; deleted: boolean }[]
      >(Prisma.sql`
        SELECT m.id::text AS id, m.call_id::text AS call_id, m.caller_name, m.callback_number, m.reason, m.created_at,
               m.called_back_at, m.called_back_by, (c.transcript_deleted_at IS NOT NULL) AS deleted
          FROM call_messages m JOIN call_logs c ON c.id = m.call_id
         WHERE ${Prisma.join(conditions, ' AND ')}
         ORDER BY m.created_at DESC, m.id DESC
         LIMIT ${PAGE_SIZE + 1}`),
      this.prisma.callMessage.count({ where: { businessId, calledBackAt: null } }),
    ]);
    const page = rows.slice(0, PAGE_SIZE);
    const last = rows.length > PAGE_SIZE ? page.at(-1) : undefined;
    return {
      messages: page.map((row) => ({
        id: row.id,
        callId: row.call_id,
        callerName: row.caller_name,
        callbackNumber: row.callback_number,
        reason: row.reason,
        createdAt: row.created_at.toISOString(),
        calledBackAt: row.called_back_at?.toISOString() ?? null,
        calledBackBy: row.called_back_by,
        deleted: row.deleted,
      })),
      nextCursor: last ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`, 'utf8').toString('base64url') : null,
      openCount: open,
    };
  }

  /** Marks the business's message as called back (true) or back to do (false); not_found for another business's. */
  async setCalledBack(businessId: string, messageId: string, calledBack: boolean, by: { actor: AuditActor; name: string; ip: string | null }): Promise<void> {
    if (!UUID.test(messageId)) throw new ApiError('not_found', 'no such message');
    const { count } = await this.prisma.callMessage.updateMany({
      where: { id: messageId, businessId },
      data: calledBack ? { calledBackAt: this.now(), calledBackBy: by.name } : { calledBackAt: null, calledBackBy: null },
    });
    if (count === 0) throw new ApiError('not_found', 'no such message');
    await this.audit.record({
      businessId,
      actor: by.actor,
      action: calledBack ? 'message_called_back' : 'message_reopened',
      targetId: `message:${messageId}`,
      ip: by.ip,
    });
  }
}
