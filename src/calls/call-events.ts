// What the calls tell the business's webhooks: facts are reported from the
// transaction that stores them (a CallLog record, a message taken), so an
// event exists exactly when its fact does (the outbox pattern). The webhooks'
// outbox (src/integrations/webhook-outbox.ts) implements it; the stores call
// it, and nothing on a call's path waits for a delivery.
import type { Prisma } from '../db/index.js';
import type { CallRecord } from './call-record.js';

export interface StoredMessage {
  readonly id: string;
  readonly callId: string;
  readonly businessId: string | null;
  readonly callerName: string;
  readonly callbackNumber: string;
  readonly reason: string;
  readonly createdAt: Date;
}

export interface CallEventSink {
  /** Inside the transaction that stored `record`: the events it reports that were not written yet. */
  recordStored(tx: Prisma.TransactionClient, record: CallRecord): Promise<void>;
  /** Inside the transaction that stored the message. */
  messageStored(tx: Prisma.TransactionClient, message: StoredMessage): Promise<void>;
  /** After such a transaction committed: deliveries may be due now. */
  committed(): void;
}
