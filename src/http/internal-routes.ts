// The internal API the media gateway calls (contract: media/contract/backend.ts):
//
//   POST /internal/calls/:callId/turns     TurnReport    -> 204
//   POST /internal/calls/:callId/failures  FailureReport -> 204
//   POST /internal/calls/:callId/actions   CallAction    -> 200 ActionResult
//
// Every route requires `authorization: Bearer <MEDIA_GATEWAY_TOKEN>` (401).
// Bodies are validated with the contract's schemas (400 naming the fields).
// 404: no such call, or it already ended (reports and take_message are still
// accepted for a short while after the end; see calls/internal-api.ts).
// 503: retry later (the backend is starting, or the database cannot store it now).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CallAction, FailureReport, TurnReport, type ActionResult } from '../../media/contract/backend.js';
import type { InternalApi, InternalOutcome } from '../calls/internal-api.js';
import { bearerTokenChecker } from './bearer-auth.js';
import { FORWARDED_HEADER } from '../cluster/call-forwarding.js';
import { ApiError } from './errors.js';

export interface InternalRouteDeps {
  /** The shared MEDIA_GATEWAY_TOKEN. */
  token: string;
  /** Null while the backend is still starting (database and calls not ready). */
  api: () => InternalApi | null;
}

const CallIdParams = z.object({ callId: z.uuid() });

/** Registered under the `/internal` prefix. */
export function internalRoutes(deps: InternalRouteDeps): FastifyPluginAsync {
  const authorized = bearerTokenChecker(deps.token);
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs a plugin that returns no promise synchronously: a throw would escape registration
  return async (scope) => {
    // eslint-disable-next-line @typescript-eslint/require-await -- fastify waits for done() on a request hook that returns no promise
    scope.addHook('onRequest', async (request) => {
      if (authorized(request.headers.authorization)) return;
      request.log.warn(
        { method: request.method, path: request.url.split('?')[0] },
        'internal API request refused: missing or invalid bearer token',
      );
      throw new ApiError('unauthorized');
    });

    scope.post('/calls/:callId/turns', async (request, reply) => {
      const { api, callId } = target(request, deps);
      const turn = parseBody(TurnReport, request.body);
      unwrap(await api.recordTurn(callId, turn));
      return noContent(reply);
    });

    scope.post('/calls/:callId/failures', async (request, reply) => {
      const { api, callId } = target(request, deps);
      const failure = parseBody(FailureReport, request.body);
      unwrap(await api.recordFailure(callId, failure));
      return noContent(reply);
    });

    scope.post('/calls/:callId/actions', async (request): Promise<ActionResult> => {
      const { api, callId } = target(request, deps);
      const action = parseBody(CallAction, request.body);
      return unwrap(await api.performAction(callId, action, request.headers[FORWARDED_HEADER] !== undefined));
    });
  };
}

/** The call addressed by the path (a callId that is not a UUID names no call) and the API, once started. */
function target(request: FastifyRequest, deps: InternalRouteDeps): { api: InternalApi; callId: string } {
  const params = CallIdParams.safeParse(request.params);
  if (!params.success) throw new ApiError('not_found', 'no such call, or the call already ended');
  const api = deps.api();
  if (!api) throw new ApiError('unavailable', 'the backend is starting; retry later');
  return { api, callId: params.data.callId };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`);
  throw new ApiError('bad_request', `invalid request: ${problems.join('; ')}`);
}

function unwrap<T>(outcome: InternalOutcome<T>): T {
  if (outcome.kind === 'unknown_call') throw new ApiError('not_found', outcome.message);
  if (outcome.kind === 'retry_later') throw new ApiError('unavailable', outcome.message);
  return outcome.value;
}

function noContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}
