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
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LiveCallView } from './live-feed.js';
import { SseStream } from './sse-stream.js';
import { staffSessionOf } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

export interface LiveRouteDeps {
  services: (request: FastifyRequest) => StaffServices;
  heartbeatMs: number;
  /** Open streams, closed by the app's preClose. */
  streams: Set<SseStream>;
}

export function registerLiveRoutes(scope: FastifyInstance, deps: LiveRouteDeps): void {
  scope.get('/live', async (request): Promise<{ calls: LiveCallView[] }> => {
    const { business } = staffSessionOf(request);
    return { calls: deps.services(request).live.list(business.id) };
  });

  scope.get('/live/events', { exposeHeadRoute: false }, async (request, reply) => {
    const context = staffSessionOf(request);
    const services = deps.services(request);
    reply.hijack();
    const stream = new SseStream(reply.raw);
    deps.streams.add(stream);
    stream.onClose(() => deps.streams.delete(stream));

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
