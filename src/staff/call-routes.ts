// A business's calls, for its signed-in staff:
//
//   GET /api/calls                    ?from&to&status&direction&caller&q&limit&cursor -> 200 CallPage
//   GET /api/calls/:id                -> 200 { call, turns, messages }
//   GET /api/calls/:id/recording      ?download=1 -> 200 / 206 audio/wav (Range), 416, 404
//
// Playing (the first range of a play) and downloading a recording go to the
// audit log; a player's many range requests count once per session and call
// every PLAY_AUDIT_WINDOW_MS.
// Another business's call answers exactly as a call that does not exist.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorBody } from '../http/errors.js';
import { contentRange, decideRange, type RangeDecision } from './byte-range.js';
import { parseCallFilter } from './call-filters.js';
import type { CallPage, CallWithConversation } from './call-views.js';
import type { OpenRecording } from './recording-files.js';
import { staffSessionOf } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

const NO_SUCH_CALL = 'no such call';

export interface CallRouteDeps {
  services: (request: FastifyRequest) => StaffServices;
}

function callIdOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

const PLAY_AUDIT_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED_PLAYS = 10_000;

export function registerCallRoutes(scope: FastifyInstance, deps: CallRouteDeps): void {
  /** "<session>\n<call>" -> when its play was last audited (epoch ms). */
  const plays = new Map<string, number>();
  const shouldAuditPlay = (key: string, nowMs: number): boolean => {
    const last = plays.get(key);
    if (last !== undefined && nowMs - last < PLAY_AUDIT_WINDOW_MS) return false;
    plays.delete(key);
    plays.set(key, nowMs);
    if (plays.size > MAX_REMEMBERED_PLAYS) plays.delete(plays.keys().next().value!);
    return true;
  };

  scope.get('/calls', async (request): Promise<CallPage> => {
    const { business } = staffSessionOf(request);
    const filter = parseCallFilter(request.query);
    return deps.services(request).calls.list(business.id, filter);
  });

  scope.get('/calls/:id', async (request): Promise<CallWithConversation> => {
    const { business } = staffSessionOf(request);
    const call = await deps.services(request).calls.get(business.id, callIdOf(request));
    if (!call) throw new ApiError('not_found', NO_SUCH_CALL);
    return call;
  });

  scope.get('/calls/:id/recording', async (request, reply) => {
    const context = staffSessionOf(request);
    const services = deps.services(request);
    const stored = await services.calls.recording(context.business.id, callIdOf(request));
    if (!stored) throw new ApiError('not_found', NO_SUCH_CALL);
    const file = await services.recordings.open(stored);
    if (!file) throw new ApiError('not_found', 'this call has no recording');
    const download = (request.query as Record<string, unknown> | undefined)?.download === '1';
    const firstRange = !/^bytes=\s*[1-9]/i.test(request.headers.range ?? '');
    if (download || (firstRange && shouldAuditPlay(`${context.sessionId}\n${stored.callId}`, Date.now()))) {
      try {
        await services.audit.record({
          businessId: context.business.id,
          actor: { kind: 'staff', id: context.user.id, label: context.user.email },
          action: download ? 'recording_downloaded' : 'recording_played',
          targetId: `call:${stored.callId}`,
          ip: request.ip,
        });
      } catch (error) {
        await file.handle.close();
        throw error;
      }
    }
    if (download) reply.header('content-disposition', `attachment; filename="call-${stored.callId}.wav"`);
    return sendRecording(request, reply, file);
  });
}

function entityTag(file: OpenRecording): string {
  return `"${file.size.toString(16)}-${Math.floor(file.modifiedAt.getTime()).toString(16)}"`;
}

/** If-Range (RFC 9110 section 13.1.5): the range applies only to the representation the client already has. */
function ifRangeAllows(header: string | undefined, file: OpenRecording, etag: string): boolean {
  if (header === undefined) return true;
  if (header.startsWith('"') || header.startsWith('W/')) return header === etag;
  const date = Date.parse(header);
  return !Number.isNaN(date) && Math.floor(file.modifiedAt.getTime() / 1000) * 1000 <= date;
}

/** A recording as 200 or 206 (Range, If-Range), with its validators; closes the file when done. */
export async function sendRecording(request: FastifyRequest, reply: FastifyReply, file: OpenRecording): Promise<FastifyReply> {
  const etag = entityTag(file);
  const ifRangeHeader = request.headers['if-range'];
  const ifRange = typeof ifRangeHeader === 'string' ? ifRangeHeader : undefined;
  const decision: RangeDecision = ifRangeAllows(ifRange, file, etag)
    ? decideRange(request.headers.range, file.size)
    : { kind: 'full' };
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('last-modified', file.modifiedAt.toUTCString())
    .header('cache-control', 'no-store');
  if (decision.kind === 'unsatisfiable') {
    await file.handle.close();
    return reply
      .code(416)
      .header('content-range', contentRange(decision, file.size)!)
      .send(errorBody('range_not_satisfiable'));
  }
  const start = decision.kind === 'partial' ? decision.start : 0;
  const end = decision.kind === 'partial' ? decision.end : file.size - 1;
  const length = file.size === 0 ? 0 : end - start + 1;
  reply
    .code(decision.kind === 'partial' ? 206 : 200)
    .header('content-type', 'audio/wav')
    .header('content-length', String(length));
  if (decision.kind === 'partial') reply.header('content-range', contentRange(decision, file.size)!);
  if (request.method === 'HEAD' || length === 0) {
    await file.handle.close();
    return reply.send(Readable.from([]));
  }
  return reply.send(file.handle.createReadStream({ start, end, autoClose: true }));
}
