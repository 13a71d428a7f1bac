// Calls in progress for the signed-in user's business:
//
//   GET /api/live          -> 200 { calls: LiveCallView[] }
//   GET /api/live/events   -> text/event-stream:
//        event: snapshot        data: { calls }         (first, on every (re)connection)
//        event: call.started | call.answered             data: { type, call }
//        event: call.turn                                data: { type, callId, turn }
//        event: call.ended                               data: { type, callId, status, endedAt, durationMs }
//        event: session.ended   (signed out, expired or disabled: the stream closes)
//        `: heartbeat` comments every LIVE_EVENTS_HEARTBEAT_MS
//   At most MAX_STREAMS_PER_SESSION streams per session at once (429 beyond).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import type { LiveCallView } from './live-feed.js';
import { SseStream } from './sse-stream.js';
import { staffSessionOf } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

/** Streams one session may hold at once (a few tabs); more answer 429. */
export const MAX_STREAMS_PER_SESSION = 4;

export interface LiveRouteDeps {
  services: (request: FastifyRequest) => StaffServices;
  heartbeatMs: number;
  /** Open streams, closed by the app's preClose. */
  streams: Set<SseStream>;
}

export function registerLiveRoutes(scope: FastifyInstance, deps: LiveRouteDeps): void {
  /** sessionId -> open streams. */
  const perSession = new Map<string, number>();
  scope.get('/live', (request): { calls: LiveCallView[] } => {
    const { business } = staffSessionOf(request);
    return { calls: deps.services(request).live.list(business.id) };
  });

  scope.get('/live/events', { exposeHeadRoute: false }, async (request, reply) => {
    const context = staffSessionOf(request);
    const services = deps.services(request);
    const open = perSession.get(context.sessionId) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION) {
      request.log.warn({ userId: context.user.id, open }, 'live events stream refused: too many for this session');
      throw new ApiError('too_many_streams');
    }
    perSession.set(context.sessionId, open + 1);
    reply.hijack();
    const stream = new SseStream(reply.raw);
    deps.streams.add(stream);
    stream.onClose(() => {
      deps.streams.delete(stream);
      const left = (perSession.get(context.sessionId) ?? 1) - 1;
      if (left > 0) perSession.set(context.sessionId, left);
      else perSession.delete(context.sessionId);
    });

    stream.send('snapshot', { calls: services.live.list(context.business.id) });
    const unsubscribe = services.live.subscribe(context.business.id, (event) => stream.send(event.type, event));
    stream.onClose(unsubscribe);

    // Each heartbeat also re-checks the session: a stream outlives no sign-out.
    let checking = false;
    const heartbeat = setInterval(() => {
      if (checking) return;
      checking = true;
      services.sessions
        .isLive(context.sessionId)
        .then((live) => {
          if (live) {
            stream.comment('heartbeat');
            return;
          }
          stream.send('session.ended', { reason: 'the session ended; sign in again' });
          stream.close();
        })
        .catch((err: unknown) => {
          request.log.warn({ err }, 'live events: session check failed');
          stream.comment('heartbeat');
        })
        .finally(() => {
          checking = false;
        });
    }, deps.heartbeatMs);
    stream.onClose(() => clearInterval(heartbeat));
    request.log.debug({ userId: context.user.id }, 'live events stream opened');
    stream.onClose(() => request.log.debug({ userId: context.user.id }, 'live events stream closed'));
  });
}
