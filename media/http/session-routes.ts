// The session routes of the control API (see contract/sessions.ts).
import type { FastifyInstance } from 'fastify';
import {
  AgentSettings,
  CreateSessionRequest,
  DtmfRequest,
  SetRemoteRequest,
  type CloseSessionResponse,
  type CreateSessionResponse,
  type ListSessionsResponse,
  type SessionInfo,
  type SessionStats,
} from '../contract/sessions.js';
import type { SessionHandle } from '../sessions/session-handle.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import { AgentRefusedError } from '../agents/engine-choice.js';
import { MediaApiError } from './errors.js';
import { parseOrBadRequest } from './validation.js';

interface SessionParams {
  id: string;
}

function sessionOr404(sessions: SessionRegistry, sessionId: string): SessionHandle {
  const session = sessions.get(sessionId);
  if (session === undefined) throw new MediaApiError('not_found', 'no such session');
  return session;
}

const createResponse = (session: SessionHandle): CreateSessionResponse => ({
  sessionId: session.sessionId,
  rtp: session.transport === 'rtp' ? { ...session.local } : null,
});

/** Why a session's conversation engine cannot run here (not configured), or null when it can. */
export type EngineCheck = (request: CreateSessionRequest) => string | null;

export function registerSessionRoutes(app: FastifyInstance, sessions: SessionRegistry, engineProblem: EngineCheck = () => null): void {
  app.post('/sessions', async (request, reply): Promise<CreateSessionResponse> => {
    const body = parseOrBadRequest(CreateSessionRequest, request.body, 'session request');
    const problem = engineProblem(body);
    if (problem !== null) throw new MediaApiError('engine_unavailable', problem);
    let result: ReturnType<SessionRegistry['create']>;
    try {
      result = sessions.create(body);
    } catch (error) {
      // The business's engine is not offered here: a refusal the backend reports, not a fault of ours.
      if (error instanceof AgentRefusedError) throw new MediaApiError('engine_unavailable', error.message);
      throw error;
    }
    if (result.kind === 'no_capacity') throw new MediaApiError('no_capacity', result.message);
    reply.status(result.kind === 'created' ? 201 : 200);
    return createResponse(result.session);
  });

  app.get('/sessions', (): ListSessionsResponse => ({
    sessions: sessions.list().map((session) => session.info()),
    foreignSource: sessions.gatewayStats().foreignSource,
  }));

  app.put<{ Params: SessionParams }>('/sessions/:id/remote', async (request): Promise<SessionInfo> => {
    const session = sessionOr404(sessions, request.params.id);
    const remote = parseOrBadRequest(SetRemoteRequest, request.body, 'remote');
    const result = await sessions.applyRemote(session.sessionId, remote);
    if (result.kind === 'not_found') throw new MediaApiError('not_found', 'no such session');
    if (result.kind === 'invalid_remote') throw new MediaApiError('bad_request', `invalid remote: ${result.message}`);
    if (result.kind === 'unreachable') throw new MediaApiError('media_unreachable', result.message);
    return result.session.info();
  });

  app.put<{ Params: SessionParams }>('/sessions/:id/agent', (request): SessionInfo => {
    const session = sessionOr404(sessions, request.params.id);
    session.replaceAgent(parseOrBadRequest(AgentSettings, request.body, 'agent settings'));
    return session.info();
  });

  app.get<{ Params: SessionParams }>('/sessions/:id/stats', (request): SessionStats =>
    sessionOr404(sessions, request.params.id).stats(),
  );

  app.post<{ Params: SessionParams }>('/sessions/:id/dtmf', async (request, reply) => {
    const session = sessionOr404(sessions, request.params.id);
    const key = parseOrBadRequest(DtmfRequest, request.body, 'key');
    session.dtmf(key.digit, key.durationMs);
    return reply.code(204).send();
  });

  app.post<{ Params: SessionParams }>('/sessions/:id/answered', async (request, reply) => {
    sessionOr404(sessions, request.params.id).answered();
    return reply.code(204).send();
  });

  app.delete<{ Params: SessionParams }>('/sessions/:id', async (request): Promise<CloseSessionResponse> => {
    const closed = await sessions.close(request.params.id);
    if (closed === null) throw new MediaApiError('not_found', 'no such session');
    return { sessionId: closed.sessionId, stats: closed.stats, recordingPath: closed.recordingPath };
  });
}
