// call.ended carries what was said and a link to the recording, read when the
// event is first sent (the gateway's last turn reports arrive just after the
// call's row is closed), then fixed: every retry sends the same bytes.
import type { PrismaClient } from '../db/index.js';
import { recordingLink } from './recording-link.js';

export interface RecordingLinks {
  /** Undefined: no links (PUBLIC_URL is not set). */
  readonly publicUrl: string | undefined;
  readonly secret: string;
  readonly ttlMs: number;
}

/** `data` of a call.ended event with `transcript`, `messages` and `recording` added. */
export async function completeCallEnded(prisma: PrismaClient, data: Record<string, unknown>, links: RecordingLinks, now: Date): Promise<Record<string, unknown>> {
  const callId = String(data.callId);
  const [call, turns, messages] = await Promise.all([
    prisma.callLog.findUnique({ where: { id: callId }, select: { recordingPath: true, transcriptDeletedAt: true } }),
    prisma.callTurn.findMany({ where: { callId }, orderBy: { seq: 'asc' }, select: { role: true, text: true, startedAt: true, endedAt: true, interrupted: true } }),
    prisma.callMessage.findMany({ where: { callId }, orderBy: { createdAt: 'asc' }, select: { id: true, callerName: true, callbackNumber: true, reason: true, createdAt: true } }),
  ]);
  const transcriptGone = call?.transcriptDeletedAt !== null && call?.transcriptDeletedAt !== undefined;
  let recording: { url: string; expiresAt: string } | null = null;
  if (call?.recordingPath && links.publicUrl !== undefined) {
    const expiresAt = new Date(now.getTime() + links.ttlMs);
    recording = { url: recordingLink({ publicUrl: links.publicUrl, secret: links.secret, callId, expiresAt }), expiresAt: expiresAt.toISOString() };
  }
  return {
    ...data,
    transcript: transcriptGone
      ? []
      : turns.map((turn) => ({
          role: turn.role,
          text: turn.text,
          startedAt: turn.startedAt.toISOString(),
          endedAt: turn.endedAt?.toISOString() ?? null,
          interrupted: turn.interrupted,
        })),
    messages: transcriptGone
      ? []
      : messages.map((message) => ({
          messageId: message.id,
          callerName: message.callerName,
          callbackNumber: message.callbackNumber,
          reason: message.reason,
          takenAt: message.createdAt.toISOString(),
        })),
    recording,
  };
}
