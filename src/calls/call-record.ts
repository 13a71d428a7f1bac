// The CallLog row as the backend knows it, and the pure rules that move it
// from one status to the next. Every write stores the whole record, so a
// write retried after an outage always lands the latest state.

export type CallStatus =
  | 'ringing'
  | 'answered'
  | 'completed'
  | 'failed'
  | 'unrouted'
  | 'abandoned'
  | 'interrupted'
  | 'transferred'
  // Outbound calls that did not connect.
  | 'busy'
  | 'no_answer';

export const OPEN_STATUSES: readonly CallStatus[] = ['ringing', 'answered'];

/** Why the call ended, stored in `hangup_cause`. */
export type HangupCause =
  | 'caller_hangup'
  | 'unrouted'
  | 'setup_failed'
  | 'media_lost'
  | 'asterisk_disconnected'
  | 'app_replaced'
  | 'backend_shutdown'
  | 'backend_restart'
  // The agent ended the call (hangup action), by reason:
  | 'agent_hangup'
  | 'caller_silence'
  | 'max_duration'
  | 'provider_failure'
  // The caller was sent to the dialplan's transfer context.
  | 'transferred'
  // Gradual rollout: the backend sent the call straight to the business's person.
  | 'routed_to_human'
  // Warm transfer connected the caller with a person; that person hung up.
  | 'transfer_peer_hangup'
  // Outbound: the callee's side refused or did not answer, or the call could not be placed.
  | 'busy'
  | 'no_answer'
  | 'call_rejected'
  | 'dial_failed'
  // Outbound: an answering machine answered; the message was left, or the call hung up.
  | 'voicemail_left'
  | 'machine_detected'
  // Outbound: the dialplan's AMD() step never handed the call back.
  | 'amd_timeout';

/** Warm transfer: how the attempt to reach the person ended. */
export type TransferOutcome = 'connected' | 'no_answer' | 'busy' | 'declined' | 'failed' | 'caller_left';

/** Outbound: Asterisk's AMDSTATUS, lower-cased; `hangup` when the callee hung up during the analysis. */
export type AmdResult = 'human' | 'machine' | 'notsure' | 'hangup';

export interface CallRecord {
  readonly id: string;
  readonly channelId: string;
  readonly businessId: string | null;
  readonly direction: 'inbound' | 'outbound';
  readonly fromNumber: string | null;
  readonly toNumber: string;
  readonly status: CallStatus;
  readonly createdAt: Date;
  readonly answeredAt: Date | null;
  readonly endedAt: Date | null;
  readonly durationMs: number | null;
  readonly hangupCause: HangupCause | null;
  readonly hangupCauseCode: number | null;
  readonly bridgeId: string | null;
  readonly mediaChannelId: string | null;
  readonly recordingPath: string | null;
  readonly error: string | null;
  /** Dial string the caller was transferred to. */
  readonly transferTarget: string | null;
  /** Gradual rollout: the backend sent this inbound call straight to a person. */
  readonly routedToHuman: boolean;
  /** Warm transfer: how the last attempt ended. */
  readonly transferOutcome: TransferOutcome | null;
  readonly amdResult: AmdResult | null;
  readonly amdCause: string | null;
  // Optional: records built before these existed (and test fixtures) leave them unset (NULL).
  /** The Asterisk node the call is on (whoever holds its lease owns the call). */
  readonly node?: string | null;
  /** The media gateway holding the call's session, and the session: what another replica needs to adopt the call. */
  readonly mediaGatewayUrl?: string | null;
  readonly mediaSessionId?: string | null;
  /** W3C traceparent of the call's trace. */
  readonly traceParent?: string | null;
  /** The conversation engine that answers the call (the business's when the call was routed). */
  readonly engine?: string | null;
}

export function isOpen(record: CallRecord): boolean {
  return OPEN_STATUSES.includes(record.status);
}

export function newInboundRecord(fields: {
  id: string;
  channelId: string;
  businessId: string | null;
  fromNumber: string | null;
  toNumber: string;
  status: 'ringing' | 'unrouted' | 'failed';
  createdAt: Date;
  node?: string | null;
  traceParent?: string | null;
}): CallRecord {
  return {
    ...fields,
    node: fields.node ?? null,
    traceParent: fields.traceParent ?? null,
    mediaGatewayUrl: null,
    mediaSessionId: null,
    direction: 'inbound',
    answeredAt: null,
    endedAt: null,
    durationMs: null,
    hangupCause: null,
    hangupCauseCode: null,
    bridgeId: null,
    mediaChannelId: null,
    recordingPath: null,
    error: null,
    transferTarget: null,
    routedToHuman: false,
    transferOutcome: null,
    amdResult: null,
    amdCause: null,
  };
}

/** An outbound call's row as the outbound service creates it: dialing (`ringing`), from the business's number. */
export function newOutboundRecord(fields: {
  id: string;
  channelId: string;
  businessId: string;
  fromNumber: string;
  toNumber: string;
  createdAt: Date;
  node?: string | null;
}): CallRecord {
  return { ...newInboundRecord({ ...fields, status: 'ringing' }), direction: 'outbound' };
}

export function markAnswered(record: CallRecord, at: Date): CallRecord {
  return record.status === 'ringing' ? { ...record, status: 'answered', answeredAt: at } : record;
}

export interface CallEnding {
  at: Date;
  cause: HangupCause;
  causeCode?: number | null;
  /** Set when a step failed or something went wrong: the row ends `failed` unless `status` says otherwise. */
  error?: string | null;
  /** Overrides the status derived from the record and the error. */
  status?: Extract<CallStatus, 'interrupted' | 'unrouted' | 'transferred' | 'busy' | 'no_answer'>;
  recordingPath?: string | null;
  transferTarget?: string | null;
}

/**
 * Closes a record: `failed` with the error when something failed, `completed`
 * when the call was answered, `abandoned` when the caller left before the
 * answer. Duration counts from the answer (0 when never answered). A record
 * already closed stays as it is (the first ending wins).
 */
export function endRecord(record: CallRecord, ending: CallEnding): CallRecord {
  if (!isOpen(record)) return record;
  const status: CallStatus =
    ending.status ?? (ending.error ? 'failed' : record.answeredAt ? 'completed' : 'abandoned');
  const durationMs = record.answeredAt ? Math.max(0, ending.at.getTime() - record.answeredAt.getTime()) : 0;
  return {
    ...record,
    status,
    endedAt: ending.at,
    durationMs,
    hangupCause: ending.cause,
    hangupCauseCode: ending.causeCode ?? null,
    error: ending.error ?? null,
    recordingPath: ending.recordingPath ?? record.recordingPath,
    transferTarget: ending.transferTarget ?? record.transferTarget,
  };
}
