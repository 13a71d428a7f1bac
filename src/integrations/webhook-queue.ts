// The delivery queue's SQL: claiming due deliveries, and what an attempt
// leaves behind. Several backend replicas may run workers on one database:
// a claim takes rows with FOR UPDATE SKIP LOCKED and puts a lease on them,
// so two workers never send the same delivery at once, and a worker that
// died lets its lease run out for another to take over.
//
// Order: a delivery waits while an earlier event of the same call is still
// pending for the same endpoint (call.started before call.ended, even while
// the first is being retried). Different calls never hold each other up.
import { Prisma, type PrismaClient } from '../db/index.js';

export interface ClaimedDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly endpointId: string;
  /** Attempts before this one. */
  readonly attempts: number;
  readonly createdAt: Date;
}

export interface DeliveryTarget {
  readonly event: { id: string; type: string; businessId: string; callId: string | null; occurredAt: Date; data: Record<string, unknown>; body: string | null };
  /** Null when the endpoint is gone. */
  readonly endpoint: { url: string; enabled: boolean; secrets: string[] } | null;
}

export class WebhookQueue {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** Up to `limit` due deliveries, leased for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = await this.#prisma.$queryRaw<{ id: string; event_id: string; endpoint_id: string; attempts: number; created_at: Date }[]>(Prisma.sql`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d
          JOIN webhook_events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= now()
           AND (d.lease_until IS NULL OR d.lease_until < now())
           AND NOT EXISTS (
             SELECT 1 FROM webhook_deliveries d2 JOIN webhook_events e2 ON e2.id = d2.event_id
              WHERE d2.endpoint_id = d.endpoint_id AND d2.status = 'pending' AND e2.call_id = e.call_id
                AND (e2.occurred_at, e2.rank, d2.created_at, d2.id) < (e.occurred_at, e.rank, d.created_at, d.id))
         ORDER BY d.next_attempt_at
         LIMIT ${limit}
         FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE webhook_deliveries w SET lease_until = now() + make_interval(secs => ${leaseMs / 1000})
        FROM due WHERE w.id = due.id
      RETURNING w.id::text AS id, w.event_id, w.endpoint_id::text AS endpoint_id, w.attempts, w.created_at`);
    return rows.map((row) => ({ id: row.id, eventId: row.event_id, endpointId: row.endpoint_id, attempts: row.attempts, createdAt: row.created_at }));
  }

  /** Milliseconds until the next pending delivery is due (0 when one is), null when none is pending. */
  async msUntilNextDue(): Promise<number | null> {
    const [row] = await this.#prisma.$queryRaw<{ wait_ms: number | null }[]>(Prisma.sql`
      SELECT GREATEST(0, EXTRACT(EPOCH FROM (min(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at))) - now())) * 1000)::float8 AS wait_ms
        FROM webhook_deliveries WHERE status = 'pending'`);
    return row?.wait_ms ?? null;
  }

  async target(delivery: ClaimedDelivery, now: Date): Promise<DeliveryTarget> {
    const [event, endpoint] = await Promise.all([
      this.#prisma.webhookEvent.findUniqueOrThrow({ where: { id: delivery.eventId } }),
      this.#prisma.webhookEndpoint.findUnique({ where: { id: delivery.endpointId } }),
    ]);
    const secrets = endpoint ? [endpoint.secret] : [];
    if (endpoint?.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) secrets.push(endpoint.previousSecret);
    return {
      event: {
        id: event.id,
        type: event.type,
        businessId: event.businessId,
        callId: event.callId,
        occurredAt: event.occurredAt,
        data: event.data as Record<string, unknown>,
        body: event.body,
      },
      endpoint: endpoint ? { url: endpoint.url, enabled: endpoint.enabled, secrets } : null,
    };
  }

  /** Stores `body` as the event's body unless another attempt fixed one first; returns the body to send. */
  async fixBody(eventId: string, body: string): Promise<string> {
    await this.#prisma.webhookEvent.updateMany({ where: { id: eventId, body: null }, data: { body } });
    const stored = await this.#prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId }, select: { body: true } });
    return stored.body ?? body;
  }

  async delivered(id: string, statusCode: number): Promise<void> {
    await this.#prisma.$executeRaw(Prisma.sql`
      UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(), delivered_at = now(),
             last_status_code = ${statusCode}, last_error = NULL, lease_until = NULL
       WHERE id = ${id}::uuid`);
  }

  /** A failed attempt: retried after `retryInMs`, or given up (null). */
  async attemptFailed(id: string, failure: { statusCode: number | null; error: string; retryInMs: number | null }): Promise<void> {
    const status = failure.retryInMs === null ? 'failed' : 'pending';
    await this.#prisma.$executeRaw(Prisma.sql`
      UPDATE webhook_deliveries SET status = ${status}::webhook_delivery_status, attempts = attempts + 1, last_attempt_at = now(),
             last_status_code = ${failure.statusCode}, last_error = ${failure.error.slice(0, 500)}, lease_until = NULL,
             next_attempt_at = now() + make_interval(secs => ${(failure.retryInMs ?? 0) / 1000})
       WHERE id = ${id}::uuid`);
  }

  /** Gives up a delivery without an attempt (its endpoint is gone or disabled). */
  async abandon(id: string, reason: string): Promise<void> {
    await this.#prisma.$executeRaw(Prisma.sql`
      UPDATE webhook_deliveries SET status = 'failed', last_error = ${reason}, lease_until = NULL WHERE id = ${id}::uuid`);
  }

  /** Releases a lease without counting an attempt (shutdown in the middle of one). */
  async release(id: string): Promise<void> {
    await this.#prisma.$executeRaw(Prisma.sql`UPDATE webhook_deliveries SET lease_until = NULL WHERE id = ${id}::uuid AND status = 'pending'`);
  }
}
