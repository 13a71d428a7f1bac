// The delivery log a manager reads (newest first, one business only): each
// delivery of an event to an endpoint with its status, attempts, last answer
// and last error; and "send again": a new delivery of the same event (same
// webhook-id, so a receiver that got it already can tell) to the same
// endpoint, due now, with its own 24 h of retries. The old row stays as the
// record of what happened.
import { Prisma, type PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AuditLog } from '../staff/audit-log.js';
import { isUuid, type ChangeContext } from './integration-input.js';

export const DELIVERY_PAGE_SIZE = 50;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryView {
  readonly id: string;
  readonly endpointId: string;
  readonly endpointUrl: string;
  readonly eventId: string;
  readonly type: string;
  readonly callId: string | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
}

export interface DeliveryPage {
  readonly deliveries: DeliveryView[];
  /** Pass as `before` for older deliveries; null on the last page. */
  readonly nextCursor: string | null;
}

export interface DeliveryFilter {
  readonly endpointId?: string | null;
  readonly status?: DeliveryStatus | null;
  readonly before?: string | null;
  readonly limit?: number;
}

interface Cursor {
  createdAt: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

function decodeCursor(text: string | null | undefined): Cursor | null {
  if (!text) return null;
  const [createdAt = '', id = ''] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  return Number.isNaN(Date.parse(createdAt)) || !isUuid(id) ? null : { createdAt, id };
}

export function isDeliveryStatus(value: string): value is DeliveryStatus {
  return (DELIVERY_STATUSES as readonly string[]).includes(value);
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  url: string;
  event_id: string;
  type: string;
  call_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  created_at: Date;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
}

export class WebhookDeliveryLog {
  readonly #prisma: PrismaClient;
  readonly #audit: AuditLog;
  readonly #onQueued: () => void;

  /** `onQueued`: a delivery is due now (wakes the worker of this replica). */
  constructor(options: { prisma: PrismaClient; audit: AuditLog; onQueued?: () => void }) {
    this.#prisma = options.prisma;
    this.#audit = options.audit;
    this.#onQueued = options.onQueued ?? (() => {});
  }

  async list(businessId: string, filter: DeliveryFilter = {}): Promise<DeliveryPage> {
    const limit = filter.limit ?? DELIVERY_PAGE_SIZE;
    const conditions: Prisma.Sql[] = [Prisma.sql`w.business_id = ${businessId}::uuid`];
    if (filter.endpointId) {
      if (!isUuid(filter.endpointId)) return { deliveries: [], nextCursor: null };
      conditions.push(Prisma.sql`d.endpoint_id = ${filter.endpointId}::uuid`);
    }
    if (filter.status) conditions.push(Prisma.sql`d.status = ${filter.status}::webhook_delivery_status`);
    const cursor = decodeCursor(filter.before);
    if (cursor) conditions.push(Prisma.sql`(d.created_at, d.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
    const rows = await this.#prisma.$queryRaw<DeliveryRow[]>(Prisma.sql`
      SELECT d.id::text AS id, d.endpoint_id::text AS endpoint_id, w.url, d.event_id, e.type, e.call_id::text AS call_id,
             d.status::text AS status, d.attempts, d.created_at, d.next_attempt_at, d.last_attempt_at,
             d.last_status_code, d.last_error, d.delivered_at
        FROM webhook_deliveries d
        JOIN webhook_endpoints w ON w.id = d.endpoint_id
        JOIN webhook_events e ON e.id = d.event_id
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY d.created_at DESC, d.id DESC
       LIMIT ${limit + 1}`);
    const deliveries = rows.slice(0, limit).map((row) => ({
      id: row.id,
      endpointId: row.endpoint_id,
      endpointUrl: row.url,
      eventId: row.event_id,
      type: row.type,
      callId: row.call_id,
      status: row.status,
      attempts: row.attempts,
      createdAt: row.created_at,
      nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
      lastAttemptAt: row.last_attempt_at,
      lastStatusCode: row.last_status_code,
      lastError: row.last_error,
      deliveredAt: row.delivered_at,
    }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { deliveries, nextCursor: last ? encodeCursor({ createdAt: last.created_at.toISOString(), id: last.id }) : null };
  }

  /**
   * Queues the delivery's event again for its endpoint; returns the new
   * delivery's id. not_found for another business's delivery; conflict while
   * the delivery is still pending (it is being sent, or will be).
   */
  async sendAgain(change: ChangeContext, deliveryId: string): Promise<string> {
    const found = isUuid(deliveryId)
      ? await this.#prisma.webhookDelivery.findFirst({ where: { id: deliveryId, endpoint: { businessId: change.businessId } }, include: { endpoint: true, event: true } })
      : null;
    if (!found) throw new ApiError('not_found', 'no such delivery');
    if (found.status === 'pending') throw new ApiError('conflict', 'this delivery is still being sent; wait until it succeeds or fails');
    if (!found.endpoint.enabled) throw new ApiError('conflict', 'the endpoint is disabled; enable it first');
    // Due by the database's clock (the queue's), and never twice at once: a
    // double-clicked button queues one delivery.
    const [created] = await this.#prisma.$queryRaw<{ id: string }[]>(Prisma.sql`
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at)
      SELECT gen_random_uuid(), ${found.eventId}, ${found.endpointId}::uuid, now()
       WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries
                          WHERE event_id = ${found.eventId} AND endpoint_id = ${found.endpointId}::uuid AND status = 'pending')
      RETURNING id::text AS id`);
    if (!created) throw new ApiError('conflict', 'this event is already queued for this endpoint');
    await this.#audit.record({
      businessId: change.businessId,
      actor: change.actor,
      action: 'webhook_sent_again',
      targetId: created.id,
      detail: `${found.event.type} ${found.eventId}`,
      ip: change.ip,
    });
    this.#onQueued();
    return created.id;
  }
}
