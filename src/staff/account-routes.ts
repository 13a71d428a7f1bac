// The signed-in user's own account and the business's messages, over JSON:
//
//   GET    /api/sessions                 -> { sessions: [{ id, current, createdAt, lastSeenAt, expiresAt, ip, userAgent }] }
//   DELETE /api/sessions/:id             -> 204 (one of the user's own other sessions) | 404
//   POST   /api/account/password         { current, password } -> 204 (other sessions end) | 400 | 403
//   GET    /api/messages                 ?show=open|done|all&before=<cursor> -> InboxPage
//   POST   /api/messages/:id/called-back { calledBack: boolean } -> 204 | 404
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../admin/admin-schemas.js';
import { ApiError } from '../http/errors.js';
import type { InboxPage } from './message-inbox.js';
import { staffSessionOf } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

export interface AccountRouteDeps {
  services: (request: FastifyRequest) => StaffServices;
}

const PasswordChange = z.object({ current: z.string().max(1024), password: z.string().max(1024) }).strict();
const CalledBack = z.object({ calledBack: z.boolean() }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ApiError('bad_request', `invalid request: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function registerAccountRoutes(scope: FastifyInstance, deps: AccountRouteDeps): void {
  scope.get('/sessions', async (request) => {
    const context = staffSessionOf(request);
    const sessions = await deps.services(request).sessions.listForUser(context.user.id);
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        current: session.id === context.sessionId,
        createdAt: session.createdAt.toISOString(),
        lastSeenAt: session.lastSeenAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        ip: session.ip,
        userAgent: session.userAgent,
      })),
    };
  });

  scope.delete('/sessions/:id', async (request, reply) => {
    const context = staffSessionOf(request);
    const { id } = request.params as { id: string };
    const services = deps.services(request);
    if (id === context.sessionId || !(await services.sessions.deleteForUser(context.user.id, id))) {
      throw new ApiError('not_found', 'no such session of yours (end this one with DELETE /api/session)');
    }
    await services.audit.record({
      businessId: context.business.id,
      actor: { kind: 'staff', id: context.user.id, label: context.user.email },
      action: 'session_ended',
      detail: 'one session of their own',
      ip: request.ip,
    });
    return reply.code(204).send();
  });

  scope.post('/account/password', async (request, reply) => {
    const context = staffSessionOf(request);
    const body = parse(PasswordChange, request.body);
    const outcome = await deps.services(request).auth.changePassword(context, body.current, body.password, request.ip);
    if (outcome.kind === 'wrong_password') throw new ApiError('forbidden', 'the current password is not right');
    if (outcome.kind === 'rejected') throw new ApiError('bad_request', outcome.problem);
    return reply.code(204).send();
  });

  scope.get('/messages', async (request): Promise<InboxPage> => {
    const context = staffSessionOf(request);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const show = query.show === 'done' || query.show === 'all' ? query.show : 'open';
    return deps.services(request).inbox.list(context.business.id, show, typeof query.before === 'string' ? query.before : null);
  });

  scope.post('/messages/:id/called-back', async (request, reply) => {
    const context = staffSessionOf(request);
    const { calledBack } = parse(CalledBack, request.body);
    const { id } = request.params as { id: string };
    await deps.services(request).inbox.setCalledBack(context.business.id, id, calledBack, {
      actor: { kind: 'staff', id: context.user.id, label: context.user.email },
      name: context.user.displayName,
      ip: request.ip,
    });
    return reply.code(204).send();
  });
}
