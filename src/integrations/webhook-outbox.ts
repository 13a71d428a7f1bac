// The webhooks' outbox: the events a stored fact reports are inserted in the
// transaction that stores it, with one delivery per endpoint of the business
// that wants that type. An event no endpoint wants is not stored. Inserting
// the same event again (a record saved again) adds nothing: ids are derived
// from the fact and conflicts are ignored.
import { Prisma } from '../db/index.js';
import type { CallEventSink, StoredMessage } from '../calls/call-events.js';
import type { CallRecord } from '../calls/call-record.js';
import { callRecordEvents, messageEvent, type OutboxEvent } from './webhook-events.js';

export interface WebhookOutboxOptions {
  /** call.ended waits this long before its first attempt (the transcript's last turns arrive meanwhile). */
  readonly callEndedDelayMs: number;
  /** Told after a commit that may have added deliveries (the worker wakes). */
  readonly onCommitted?: () => void;
}

/** Inserts `event` and its deliveries, in `tx`; returns how many deliveries were added. */
export async function insertOutboxEvent(tx: Prisma.TransactionClient, event: OutboxEvent, firstAttemptDelayMs: number): Promise<number> {
  return tx.$executeRaw(Prisma.sql`
    WITH targets AS (
      SELECT id FROM webhook_endpoints
       WHERE business_id = ${event.businessId}::uuid AND enabled AND events @> jsonb_build_array(${event.type}::text)
    ), inserted AS (
      INSERT INTO webhook_events (id, business_id, type, call_id, occurred_at, rank, data)
      SELECT ${event.id}, ${event.businessId}::uuid, ${event.type}, ${event.callId}::uuid, ${event.occurredAt.toISOString()}::timestamptz,
             ${event.rank}, ${JSON.stringify(event.data)}::jsonb
       WHERE EXISTS (SELECT 1 FROM targets)
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    )
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at)
    SELECT gen_random_uuid(), inserted.id, targets.id, now() + make_interval(secs => ${firstAttemptDelayMs / 1000})
      FROM inserted CROSS JOIN targets`);
}

export class WebhookOutbox implements CallEventSink {
  readonly #options: WebhookOutboxOptions;

  constructor(options: WebhookOutboxOptions) {
    this.#options = options;
  }

  async recordStored(tx: Prisma.TransactionClient, record: CallRecord): Promise<void> {
    for (const event of callRecordEvents(record)) {
      await insertOutboxEvent(tx, event, event.type === 'call.ended' ? this.#options.callEndedDelayMs : 0);
    }
  }

  async messageStored(tx: Prisma.TransactionClient, message: StoredMessage): Promise<void> {
    const event = messageEvent(message);
    if (event) await insertOutboxEvent(tx, event, 0);
  }

  committed(): void {
    this.#options.onCommitted?.();
  }
}
