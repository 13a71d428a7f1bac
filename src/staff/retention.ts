// What a business keeps, and the deletions: each business keeps recordings
// recording_retention_days and what was said (turn texts, message contents)
// transcript_retention_days; null keeps them forever. Deleting a call's
// recording removes the file and clears recording_path; deleting its
// transcript empties the turns' text and the messages' contents. The rows
// stay, with their times, statuses and latencies, so the statistics do not
// change. Every deletion is idempotent and goes to the audit log.
import { z } from 'zod';
import { Prisma, type PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AuditActor, AuditLog } from './audit-log.js';
import type { RecordingFiles } from './recording-files.js';

export const MAX_RETENTION_DAYS = 3650;
const DAY_MS = 86_400_000;
/** Calls handled per statement: short transactions, bounded memory. */
const BATCH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RetentionSettings {
  recordingDays: number | null;
  transcriptDays: number | null;
}

const Days = z.number().int().min(1, 'must be at least 1 day').max(MAX_RETENTION_DAYS, `must be at most ${MAX_RETENTION_DAYS} days`).nullable();
export const RetentionInput = z.object({ recordingDays: Days, transcriptDays: Days }).strict();

export interface RetentionOutcome {
  recordings: number;
  transcripts: number;
}

export class Retention {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly files: RecordingFiles,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  async settings(businessId: string): Promise<RetentionSettings> {
    const business = await this.prisma.business.findUnique({ where: { id: businessId } });
    if (!business) throw new ApiError('not_found', 'no such business');
    return { recordingDays: business.recordingRetentionDays, transcriptDays: business.transcriptRetentionDays };
  }

  async updateSettings(businessId: string, input: RetentionSettings, by: { actor: AuditActor; ip: string | null }): Promise<RetentionSettings> {
    const parsed = RetentionInput.safeParse(input);
    if (!parsed.success) throw new ApiError('bad_request', parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; '));
    const before = await this.settings(businessId);
    await this.prisma.business.update({
      where: { id: businessId },
      data: { recordingRetentionDays: parsed.data.recordingDays, transcriptRetentionDays: parsed.data.transcriptDays },
    });
    const words = (days: number | null) => (days === null ? 'forever' : `${days} days`);
    await this.audit.record({
      businessId,
      actor: by.actor,
      action: 'settings_changed',
      detail: `retention: recordings ${words(before.recordingDays)} -> ${words(parsed.data.recordingDays)}; transcripts ${words(before.transcriptDays)} -> ${words(parsed.data.transcriptDays)}`,
      ip: by.ip,
    });
    return parsed.data;
  }

  /** A manager deletes one call's recording and transcript (e.g. at the caller's request). */
  async deleteCallContent(businessId: string, callId: string, by: { actor: AuditActor; ip: string | null }): Promise<void> {
    const call = UUID.test(callId) ? await this.prisma.callLog.findFirst({ where: { id: callId, businessId }, select: { id: true, status: true } }) : null;
    if (!call) throw new ApiError('not_found', 'no such call');
    if (call.status === 'ringing' || call.status === 'answered') throw new ApiError('conflict', 'the call is still in progress');
    const recordings = await this.deleteRecordings(businessId, [call.id]);
    const transcripts = await this.deleteTranscripts([call.id]);
    await this.audit.record({
      businessId,
      actor: by.actor,
      action: 'call_content_deleted',
      targetId: `call:${call.id}`,
      detail: `${recordings > 0 ? 'recording' : 'no recording'} and ${transcripts > 0 ? 'transcript' : 'no transcript'} deleted on request`,
      ip: by.ip,
    });
  }

  /** Applies one business's retention now; returns what it deleted. Stops between batches when `signal` aborts. */
  async applyToBusiness(businessId: string, settings: RetentionSettings, signal: AbortSignal): Promise<RetentionOutcome> {
    const outcome: RetentionOutcome = { recordings: 0, transcripts: 0 };
    const now = this.now().getTime();
    if (settings.recordingDays !== null) {
      const cutoff = new Date(now - settings.recordingDays * DAY_MS);
      for (;;) {
        if (signal.aborted) break;
        const ids = await this.expired(businessId, cutoff, Prisma.sql`recording_path IS NOT NULL`);
        if (ids.length === 0) break;
        outcome.recordings += await this.deleteRecordings(businessId, ids);
      }
    }
    if (settings.transcriptDays !== null) {
      const cutoff = new Date(now - settings.transcriptDays * DAY_MS);
      for (;;) {
        if (signal.aborted) break;
        const ids = await this.expired(businessId, cutoff, Prisma.sql`transcript_deleted_at IS NULL`);
        if (ids.length === 0) break;
        outcome.transcripts += await this.deleteTranscripts(ids);
      }
    }
    if (outcome.recordings + outcome.transcripts > 0) {
      await this.audit.record({
        businessId,
        actor: { kind: 'system', label: 'retention job' },
        action: 'retention_applied',
        detail: [
          outcome.recordings > 0 ? `${outcome.recordings} recording(s) older than ${settings.recordingDays} days` : null,
          outcome.transcripts > 0 ? `${outcome.transcripts} transcript(s) older than ${settings.transcriptDays} days` : null,
        ]
          .filter(Boolean)
          .join('; '),
      });
    }
    return outcome;
  }

  /** Businesses with a retention period, and their settings. */
  async businessesWithRetention(): Promise<{ id: string; settings: RetentionSettings }[]> {
    const rows = await this.prisma.business.findMany({
      where: { OR: [{ recordingRetentionDays: { not: null } }, { transcriptRetentionDays: { not: null } }] },
      select: { id: true, recordingRetentionDays: true, transcriptRetentionDays: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({ id: row.id, settings: { recordingDays: row.recordingRetentionDays, transcriptDays: row.transcriptRetentionDays } }));
  }

  /** Ended calls of the business created before `cutoff` matching `condition`, a batch at a time (index business_id, created_at). */
  private async expired(businessId: string, cutoff: Date, condition: Prisma.Sql): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>(Prisma.sql`
      SELECT id::text AS id FROM call_logs
       WHERE business_id = ${businessId}::uuid AND created_at < ${cutoff.toISOString()}::timestamptz
         AND status NOT IN ('ringing', 'answered') AND ${condition}
       ORDER BY created_at
       LIMIT ${BATCH}`);
    return rows.map((row) => row.id);
  }

  /** Deletes the calls' recording files, then forgets their paths; returns how many calls had one. */
  private async deleteRecordings(businessId: string, callIds: readonly string[]): Promise<number> {
    const calls = await this.prisma.callLog.findMany({
      where: { id: { in: [...callIds] }, recordingPath: { not: null } },
      select: { id: true, createdAt: true, recordingPath: true },
    });
    for (const call of calls) {
      await this.files.remove({ callId: call.id, businessId, createdAt: call.createdAt, recordingPath: call.recordingPath });
    }
    if (calls.length > 0) {
      await this.prisma.callLog.updateMany({
        where: { id: { in: calls.map((call) => call.id) } },
        data: { recordingPath: null, recordingDeletedAt: this.now() },
      });
    }
    // A recording whose file was already gone counts as deleted: its path no longer points anywhere.
    return calls.length;
  }

  /**
   * Empties what was said on the calls; returns how many calls were not
   * emptied before. What was said includes the business tools' arguments and
   * answers on the turns, and the webhook events' copies: their fixed bodies
   * (call.ended carries the transcript) are dropped, to be rebuilt from the
   * emptied rows if sent again, and message.taken's contents are emptied.
   */
  private async deleteTranscripts(callIds: readonly string[]): Promise<number> {
    const ids = [...callIds];
    const [, , , , marked] = await this.prisma.$transaction([
      this.prisma.callTurn.updateMany({ where: { callId: { in: ids } }, data: { text: '', toolCalls: Prisma.DbNull } }),
      this.prisma.callMessage.updateMany({ where: { callId: { in: ids } }, data: { callerName: '', callbackNumber: '', reason: '' } }),
      this.prisma.webhookEvent.updateMany({ where: { callId: { in: ids } }, data: { body: null } }),
      this.prisma.$executeRaw(Prisma.sql`
        UPDATE webhook_events SET data = data || '{"callerName":"","callbackNumber":"","reason":""}'::jsonb
         WHERE call_id = ANY(${ids}::uuid[]) AND type = 'message.taken'`),
      this.prisma.callLog.updateMany({ where: { id: { in: ids }, transcriptDeletedAt: null }, data: { transcriptDeletedAt: this.now() } }),
    ]);
    return marked.count;
  }
}
