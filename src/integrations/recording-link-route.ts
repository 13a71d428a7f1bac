// GET /recordings/:callId?expires=<unix s>&signature=<base64url>
// The recording of a call.ended webhook's link, for the business's system
// (no console session): 200/206 audio/wav with Range support, 403 for a
// link that is malformed, altered or expired, 404 when the call has no
// recording (any more). The first fetch of a link per call and address every
// 10 minutes goes to the business's audit log.
import type { FastifyPluginAsync } from 'fastify';
import type { PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AuditLog } from '../staff/audit-log.js';
import { sendRecording } from '../staff/call-routes.js';
import type { RecordingFiles } from '../staff/recording-files.js';
import { checkRecordingLink } from './recording-link.js';

export interface RecordingLinkServices {
  readonly prisma: PrismaClient;
  readonly files: RecordingFiles;
  readonly audit: AuditLog;
}

export interface RecordingLinkRouteDeps {
  readonly secret: string;
  /** Null while the backend starts. */
  readonly services: () => RecordingLinkServices | null;
  readonly now?: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDIT_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;

/** Registered under the RECORDING_LINK_PATH prefix. */
export function recordingLinkRoutes(deps: RecordingLinkRouteDeps): FastifyPluginAsync {
  const fetched = new Map<string, number>();
  return (scope) => {
    scope.get('/:callId', async (request, reply) => {
      const { callId } = request.params as { callId: string };
      const query = (request.query ?? {}) as Record<string, unknown>;
      const now = deps.now?.() ?? new Date();
      if (!UUID.test(callId)) throw new ApiError('not_found', 'no such recording');
      const check = checkRecordingLink(deps.secret, callId, query.expires, query.signature, now);
      if (!check.ok) throw new ApiError('forbidden', check.reason === 'expired' ? 'this recording link has expired' : 'this recording link is not valid');
      const services = deps.services();
      if (!services) throw new ApiError('unavailable', 'the backend is starting; retry later');
      const call = await services.prisma.callLog.findUnique({ where: { id: callId }, select: { id: true, businessId: true, createdAt: true, recordingPath: true } });
      if (!call || call.businessId === null) throw new ApiError('not_found', 'no such recording');
      const file = await services.files.open({ callId: call.id, businessId: call.businessId, createdAt: call.createdAt, recordingPath: call.recordingPath });
      if (!file) throw new ApiError('not_found', 'this call has no recording (any more)');
      const key = `${call.id}\n${request.ip}`;
      const last = fetched.get(key);
      if (last === undefined || now.getTime() - last >= AUDIT_WINDOW_MS) {
        fetched.delete(key);
        fetched.set(key, now.getTime());
        if (fetched.size > MAX_REMEMBERED) fetched.delete(fetched.keys().next().value!);
        try {
          await services.audit.record({
            businessId: call.businessId,
            actor: { kind: 'system', label: 'webhook recording link' },
            action: 'recording_fetched_by_link',
            targetId: `call:${call.id}`,
            ip: request.ip,
          });
        } catch (error) {
          await file.handle.close();
          throw error;
        }
      }
      reply.header('content-disposition', `attachment; filename="call-${call.id}.wav"`);
      return sendRecording(request, reply, file);
    });
    return Promise.resolve();
  };
}
