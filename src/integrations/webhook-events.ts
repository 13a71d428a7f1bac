// The events a business's webhooks carry, and their JSON bodies (version 1):
//
//   {
//     "version": 1,
//     "id": "msg_…",                     the webhook-id header; the same on every retry
//     "type": "call.ended",
//     "timestamp": "2026-12-15T10:04:12.345Z",   when it happened
//     "businessId": "…",
//     "data": { … }                      per type, below
//   }
//
// A call's events are ordered: call.started, message.taken (any number),
// call.transferred, call.ended. Ids are derived from what the event is about,
// so storing the same fact twice (a retried write) never makes two events.
import { createHash } from 'node:crypto';
import type { CallRecord } from '../calls/call-record.js';
import type { StoredMessage } from '../calls/call-events.js';

export const WEBHOOK_BODY_VERSION = 1;
export const WEBHOOK_EVENT_TYPES = ['call.started', 'call.ended', 'message.taken', 'call.transferred'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const EVENT_DESCRIPTIONS: Readonly<Record<WebhookEventType, string>> = {
  'call.started': 'A call reached the business (before the answer)',
  'message.taken': 'The agent took a message',
  'call.transferred': 'The agent transferred the caller to a person',
  'call.ended': 'A call ended: outcome, duration, transcript, recording link',
};

/** Orders a call's events that carry the same time. */
const RANKS: Readonly<Record<WebhookEventType, number>> = { 'call.started': 0, 'message.taken': 1, 'call.transferred': 2, 'call.ended': 3 };

export interface OutboxEvent {
  readonly id: string;
  readonly businessId: string;
  readonly type: WebhookEventType;
  readonly callId: string;
  readonly occurredAt: Date;
  readonly rank: number;
  readonly data: Record<string, unknown>;
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** msg_ and 32 hex digits of a hash of what the event is about. */
export function eventId(type: WebhookEventType, subject: string): string {
  return `msg_${createHash('sha256').update(`${type}\n${subject}`).digest('hex').slice(0, 32)}`;
}

function event(type: WebhookEventType, businessId: string, callId: string, subject: string, occurredAt: Date, data: Record<string, unknown>): OutboxEvent {
  return { id: eventId(type, subject), businessId, type, callId, occurredAt, rank: RANKS[type], data };
}

const isOpen = (record: CallRecord): boolean => record.status === 'ringing' || record.status === 'answered';

/** The events a stored CallLog record reports (its business's calls only). */
export function callRecordEvents(record: CallRecord): OutboxEvent[] {
  const businessId = record.businessId;
  if (businessId === null) return [];
  const events = [
    event('call.started', businessId, record.id, record.id, record.createdAt, {
      callId: record.id,
      direction: record.direction,
      from: record.fromNumber,
      to: record.toNumber,
      startedAt: record.createdAt.toISOString(),
    }),
  ];
  if (isOpen(record)) return events;
  const endedAt = record.endedAt ?? record.createdAt;
  if (record.status === 'transferred') {
    events.push(event('call.transferred', businessId, record.id, record.id, endedAt, { callId: record.id, target: record.transferTarget, at: endedAt.toISOString() }));
  }
  events.push(
    event('call.ended', businessId, record.id, record.id, endedAt, {
      callId: record.id,
      direction: record.direction,
      from: record.fromNumber,
      to: record.toNumber,
      outcome: record.status,
      hangupCause: record.hangupCause,
      startedAt: record.createdAt.toISOString(),
      answeredAt: record.answeredAt?.toISOString() ?? null,
      endedAt: endedAt.toISOString(),
      durationMs: record.durationMs,
      transferTarget: record.transferTarget,
      hasRecording: record.recordingPath !== null,
    }),
  );
  return events;
}

export function messageEvent(message: StoredMessage): OutboxEvent | null {
  if (message.businessId === null) return null;
  return event('message.taken', message.businessId, message.callId, message.id, message.createdAt, {
    callId: message.callId,
    messageId: message.id,
    callerName: message.callerName,
    callbackNumber: message.callbackNumber,
    reason: message.reason,
    takenAt: message.createdAt.toISOString(),
  });
}

/** The JSON body sent (and signed) for an event. */
export function webhookBody(event: { id: string; type: string; businessId: string; occurredAt: Date; data: unknown }): string {
  return JSON.stringify({
    version: WEBHOOK_BODY_VERSION,
    id: event.id,
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    businessId: event.businessId,
    data: event.data,
  });
}
