// The calls of one business, read for the staff API. Every query takes the
// business id from the session and filters on it: a call of another business
// is indistinguishable from a call that does not exist.
//
// Listing is keyset-paginated on (created_at DESC, id DESC), which the index
// call_logs(business_id, created_at DESC) serves; the id breaks ties between
// calls created in the same millisecond, so pages never repeat or skip a call.
// The transcript search runs as EXISTS over call_turns reached through its
// (call_id, seq) index for the business's calls only, never as a scan of every
// business's turns.
import { Prisma, type PrismaClient } from '../db/index.js';
import { encodeCursor, likePattern, type CallFilter } from './call-filters.js';
import { providerFailureText, setupFailureText } from './failure-text.js';
import { iso, recordingUrl, toolCallViews, type CallPage, type CallSummary, type CallWithConversation } from './call-views.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface SummaryRow {
  id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  from_number: string | null;
  to_number: string;
  created_at: Date | string;
  answered_at: Date | string | null;
  ended_at: Date | string | null;
  duration_ms: number | null;
  hangup_cause: string | null;
  routed_to_human: boolean;
  transfer_outcome: string | null;
  amd_result: string | null;
  has_recording: boolean;
  turn_count: number;
  message_count: number;
  engine: string | null;
}

function summaryOf(row: SummaryRow): CallSummary {
  return {
    id: row.id,
    direction: row.direction,
    status: row.status,
    from: row.from_number,
    to: row.to_number,
    createdAt: iso(row.created_at),
    answeredAt: iso(row.answered_at),
    endedAt: iso(row.ended_at),
    durationMs: row.duration_ms,
    hangupCause: row.hangup_cause,
    routedToHuman: row.routed_to_human,
    transferOutcome: row.transfer_outcome,
    amdResult: row.amd_result,
    hasRecording: row.has_recording,
    turnCount: row.turn_count,
    messageCount: row.message_count,
    engine: row.engine,
  };
}

export interface StoredRecording {
  callId: string;
  businessId: string;
  createdAt: Date;
  recordingPath: string | null;
}

export class CallRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The WHERE conditions of a filter (without its cursor unless asked). */
  private conditions(businessId: string, filter: CallFilter, withCursor: boolean): Prisma.Sql[] {
    const conditions: Prisma.Sql[] = [Prisma.sql`c.business_id = ${businessId}::uuid`];
    if (filter.from) conditions.push(Prisma.sql`c.created_at >= ${filter.from.toISOString()}::timestamptz`);
    if (filter.to) conditions.push(Prisma.sql`c.created_at < ${filter.to.toISOString()}::timestamptz`);
    if (filter.statuses.length > 0) conditions.push(Prisma.sql`c.status::text IN (${Prisma.join(filter.statuses)})`);
    if (filter.direction) conditions.push(Prisma.sql`c.direction::text = ${filter.direction}`);
    if (filter.callerDigits) {
      conditions.push(
        Prisma.sql`regexp_replace(coalesce(c.from_number, ''), '[^0-9]', '', 'g') LIKE ${`%${filter.callerDigits}%`}`,
      );
    }
    if (filter.text) {
      const pattern = likePattern(filter.text);
      conditions.push(
        Prisma.sql`EXISTS (SELECT 1 FROM call_turns t WHERE t.call_id = c.id AND t.text ILIKE ${pattern} ESCAPE '\\')`,
      );
    }
    if (withCursor && filter.cursor) {
      conditions.push(
        Prisma.sql`(c.created_at, c.id) < (${filter.cursor.createdAt.toISOString()}::timestamptz, ${filter.cursor.id}::uuid)`,
      );
    }
    return conditions;
  }

  /** How many of the business's calls match the filter (its cursor ignored). */
  async count(businessId: string, filter: CallFilter): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ count: number }[]>(Prisma.sql`
      SELECT count(*)::int AS count FROM call_logs c WHERE ${Prisma.join(this.conditions(businessId, filter, false), ' AND ')}`);
    return rows[0]?.count ?? 0;
  }

  async list(businessId: string, filter: CallFilter): Promise<CallPage> {
    const conditions = this.conditions(businessId, filter, true);
    const rows = await this.prisma.$queryRaw<SummaryRow[]>(Prisma.sql`
      SELECT c.id::text AS id, c.direction::text AS direction, c.status::text AS status,
             c.from_number, c.to_number, c.created_at, c.answered_at, c.ended_at, c.duration_ms, c.hangup_cause, c.engine,
             c.routed_to_human, c.transfer_outcome, c.amd_result,
             (c.recording_path IS NOT NULL) AS has_recording,
             (SELECT count(*)::int FROM call_turns t WHERE t.call_id = c.id) AS turn_count,
             (SELECT count(*)::int FROM call_messages m WHERE m.call_id = c.id) AS message_count
        FROM call_logs c
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY c.created_at DESC, c.id DESC
       LIMIT ${filter.limit + 1}`);
    const page = rows.slice(0, filter.limit).map(summaryOf);
    const last = page.at(-1);
    const nextCursor =
      rows.length > filter.limit && last ? encodeCursor({ createdAt: new Date(last.createdAt), id: last.id }) : null;
    return { calls: page, nextCursor };
  }

  /** The call with its turns (by seq) and messages, or null when the business has no such call. */
  async get(businessId: string, callId: string): Promise<CallWithConversation | null> {
    if (!UUID.test(callId)) return null;
    const row = await this.prisma.callLog.findFirst({
      where: { id: callId, businessId },
      include: { turns: { orderBy: { seq: 'asc' } }, messages: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
    });
    if (!row) return null;
    return {
      call: {
        id: row.id,
        direction: row.direction,
        status: row.status,
        from: row.fromNumber,
        to: row.toNumber,
        createdAt: iso(row.createdAt),
        answeredAt: iso(row.answeredAt),
        endedAt: iso(row.endedAt),
        durationMs: row.durationMs,
        hangupCause: row.hangupCause,
        hangupCauseCode: row.hangupCauseCode,
        routedToHuman: row.routedToHuman,
        transferOutcome: row.transferOutcome,
        amdResult: row.amdResult,
        amdCause: row.amdCause,
        outboundPurpose: row.outboundPurpose,
        hasRecording: row.recordingPath !== null,
        turnCount: row.turns.length,
        messageCount: row.messages.length,
        engine: row.engine,
        error: row.error === null ? null : setupFailureText(row.error).detail,
        transferTarget: row.transferTarget,
        failure: row.failureProvider !== null ? { provider: row.failureProvider, error: providerFailureText(row.failureProvider, row.failure ?? '').detail } : null,
        recordingUrl: row.recordingPath !== null ? recordingUrl(row.id) : null,
        recordingDeletedAt: iso(row.recordingDeletedAt),
        transcriptDeletedAt: iso(row.transcriptDeletedAt),
      },
      turns: row.turns.map((turn) => {
        const latency = {
          sttFinalMs: turn.sttFinalMs,
          llmFirstTokenMs: turn.llmFirstTokenMs,
          ttsFirstAudioMs: turn.ttsFirstAudioMs,
          voiceToVoiceMs: turn.voiceToVoiceMs,
        };
        const tools = toolCallViews(turn.toolCalls);
        return {
          seq: turn.seq,
          role: turn.role,
          text: turn.text,
          startedAt: iso(turn.startedAt),
          endedAt: iso(turn.endedAt),
          interrupted: turn.interrupted,
          latency: Object.values(latency).every((value) => value === null) ? null : latency,
          ...(tools.length > 0 ? { tools } : {}),
        };
      }),
      messages: row.messages.map((message) => ({
        id: message.id,
        callerName: message.callerName,
        callbackNumber: message.callbackNumber,
        reason: message.reason,
        createdAt: iso(message.createdAt),
      })),
    };
  }

  /** Where the business's call's recording was stored, or null when the business has no such call. */
  async recording(businessId: string, callId: string): Promise<StoredRecording | null> {
    if (!UUID.test(callId)) return null;
    const row = await this.prisma.callLog.findFirst({
      where: { id: callId, businessId },
      select: { id: true, businessId: true, createdAt: true, recordingPath: true },
    });
    if (!row || row.businessId === null) return null;
    return { callId: row.id, businessId: row.businessId, createdAt: row.createdAt, recordingPath: row.recordingPath };
  }
}
