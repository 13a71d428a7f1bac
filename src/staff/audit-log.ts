// The audit log (audit_events): who signed in or failed to, who played or
// downloaded which recording, exports, staff and settings changes, retention
// and deletions. Entries are written by the code that performs the action,
// after it succeeded (failed sign-ins: after the failure). What they hold is
// fixed text chosen by that code: never a password, a token or a cookie, and
// for an unknown sign-in email not even what was typed (people type passwords
// into the email field).
import { Prisma, type PrismaClient } from '../db/index.js';

export const AUDIT_ACTIONS = {
  sign_in: 'Signed in',
  sign_in_failed: 'Sign-in failed',
  sign_in_throttled: 'Sign-in slowed down or refused (too many failures)',
  sign_out: 'Signed out',
  session_ended: 'Ended a session',
  password_changed: 'Changed their password',
  recording_played: 'Played a recording',
  recording_downloaded: 'Downloaded a recording',
  recording_fetched_by_link: 'A recording was fetched through a webhook’s signed link',
  calls_exported: 'Exported calls (CSV)',
  message_called_back: 'Marked a message as called back',
  message_reopened: 'Marked a message as not called back',
  staff_created: 'Added a staff account',
  staff_disabled: 'Disabled a staff account',
  staff_enabled: 'Enabled a staff account',
  staff_password_reset: 'Reset a staff password',
  settings_changed: 'Changed settings',
  call_content_deleted: 'Deleted a call’s recording and transcript',
  retention_applied: 'Deleted expired recordings and transcripts',
  business_created: 'Created the business',
  business_deleted: 'Deleted the business',
  number_added: 'Added a phone number',
  number_removed: 'Removed a phone number',
  webhook_endpoint_added: 'Added a webhook endpoint',
  webhook_endpoint_changed: 'Changed a webhook endpoint',
  webhook_endpoint_deleted: 'Deleted a webhook endpoint',
  webhook_secret_rotated: 'Rotated a webhook signing secret',
  webhook_secret_viewed: 'Viewed a signing secret',
  webhook_sent_again: 'Sent a webhook again',
  tool_added: 'Added an HTTP tool',
  tool_changed: 'Changed an HTTP tool',
  tool_deleted: 'Deleted an HTTP tool',
  mcp_server_added: 'Added an MCP server',
  mcp_server_changed: 'Changed an MCP server',
  mcp_server_deleted: 'Deleted an MCP server',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export interface AuditActor {
  kind: 'staff' | 'operator' | 'system';
  /** The staff user's id. */
  id?: string | null;
  /** A staff email, "operator", "retention job". */
  label: string;
}

export interface AuditEntry {
  businessId: string | null;
  actor: AuditActor;
  action: AuditAction;
  targetId?: string | null;
  detail?: string | null;
  ip?: string | null;
}

export interface AuditEventView {
  id: string;
  businessId: string | null;
  actorKind: string;
  actorLabel: string;
  action: string;
  /** The action in words. */
  description: string;
  targetId: string | null;
  detail: string | null;
  ip: string | null;
  createdAt: string;
}

export interface AuditPage {
  events: AuditEventView[];
  /** Pass as `before` for older events; null on the last page. */
  nextCursor: string | null;
}

const MAX_DETAIL_LENGTH = 500;
const MAX_LABEL_LENGTH = 320;
export const AUDIT_PAGE_SIZE = 50;

function clip(text: string | null | undefined, max: number): string | null {
  if (text === null || text === undefined) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const characters = [...text.replace(/[\u0000-\u001f\u007f]+/g, ' ')];
  return characters.length <= max ? characters.join('') : `${characters.slice(0, max - 1).join('')}…`;
}

export function describeAction(action: string): string {
  return (AUDIT_ACTIONS as Record<string, string>)[action] ?? action.replace(/_/g, ' ');
}

interface Cursor {
  createdAt: Date;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, 'utf8').toString('base64url');
}

function decodeCursor(text: string | null | undefined): Cursor | null {
  if (!text) return null;
  const [at = '', id = ''] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  return { createdAt, id };
}

export class AuditLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.prisma.auditEvent.create({
      data: {
        businessId: entry.businessId,
        actorKind: entry.actor.kind,
        actorId: entry.actor.id ?? null,
        actorLabel: clip(entry.actor.label, MAX_LABEL_LENGTH) ?? '',
        action: entry.action,
        targetId: clip(entry.targetId, 100),
        detail: clip(entry.detail, MAX_DETAIL_LENGTH),
        ip: clip(entry.ip, 100),
        createdAt: this.now(),
      },
    });
  }

  /** Newest first; of one business, or of every business (null, the operator's view). */
  async list(options: { businessId: string | null; before?: string | null; limit?: number }): Promise<AuditPage> {
    const limit = options.limit ?? AUDIT_PAGE_SIZE;
    const cursor = decodeCursor(options.before);
    const conditions: Prisma.Sql[] = [];
    if (options.businessId !== null) conditions.push(Prisma.sql`business_id = ${options.businessId}::uuid`);
    if (cursor) conditions.push(Prisma.sql`(created_at, id) < (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
    const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
    const rows = await this.prisma.$queryRaw<
      { id: string; business_id: string | null; actor_kind: string; actor_label: string; action: string; target_id: string | null; detail: string | null; ip: string | null; created_at: Date }[]
    >(Prisma.sql`
      SELECT id::text AS id, business_id::text AS business_id, actor_kind, actor_label, action, target_id, detail, ip, created_at
        FROM audit_events ${where}
       ORDER BY created_at DESC, id DESC
       LIMIT ${limit + 1}`);
    const events = rows.slice(0, limit).map((row) => ({
      id: row.id,
      businessId: row.business_id,
      actorKind: row.actor_kind,
      actorLabel: row.actor_label,
      action: row.action,
      description: describeAction(row.action),
      targetId: row.target_id,
      detail: row.detail,
      ip: row.ip,
      createdAt: row.created_at.toISOString(),
    }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { events, nextCursor: last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null };
  }
}
