// A business's managers place outbound AI calls and keep the business's
// do-not-call list (the operator can do both for any business through the admin
// API). Registered under /api: the session cookie and, for changes, the CSRF
// header are checked by staff-routes.ts; the business is always the session's.
//
//   POST   /api/outbound-calls         OutboundCallRequest -> 202 { callId, status, from, to }   (managers)
//   GET    /api/do-not-call            -> { numbers: DoNotCallView[] }                             (managers)
//   POST   /api/do-not-call            { e164, reason? } -> 201 DoNotCallView                      (managers)
//   DELETE /api/do-not-call/:e164      -> 204                                                      (managers)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { E164 } from '../admin/admin-schemas.js';
import { DoNotCallInput } from '../admin/calls-admin-routes.js';
import { param, parse } from '../admin/route-input.js';
import { ApiError } from '../http/errors.js';
import { OutboundCallRequest } from '../outbound/outbound-request.js';
import type { StaffSessionContext } from './session-store.js';
import { staffSessionOf } from './staff-context.js';
import type { StaffServices } from './staff-services.js';

function manager(request: FastifyRequest, what: string): StaffSessionContext {
  const context = staffSessionOf(request);
  if (context.user.role !== 'manager') throw new ApiError('forbidden', `only managers ${what}`);
  return context;
}

export function registerOutboundRoutes(scope: FastifyInstance, deps: { services: () => StaffServices }): void {
  const outbound = (): NonNullable<StaffServices['outbound']> => {
    const service = deps.services().outbound;
    if (!service) throw new ApiError('unavailable', 'outbound calls are not available on this backend');
    return service;
  };

  scope.post('/outbound-calls', async (request, reply) => {
    const context = manager(request, 'place outbound calls');
    const call = await outbound().placeCall(context.business.id, parse(OutboundCallRequest, request.body), `staff:${context.user.id}`);
    request.log.info({ businessId: context.business.id, userId: context.user.id, callId: call.callId }, 'staff: outbound call placed');
    return reply.code(202).send(call);
  });

  scope.get('/do-not-call', async (request) => {
    const context = manager(request, 'see the do-not-call list');
    return { numbers: await deps.services().doNotCall.list(context.business.id) };
  });

  scope.post('/do-not-call', async (request, reply) => {
    const context = manager(request, 'change the do-not-call list');
    const { e164, reason } = parse(DoNotCallInput, request.body);
    return reply.code(201).send(await deps.services().doNotCall.add(context.business.id, e164, reason));
  });

  scope.delete('/do-not-call/:e164', async (request, reply) => {
    const context = manager(request, 'change the do-not-call list');
    await deps.services().doNotCall.remove(context.business.id, parse(E164, param(request, 'e164')));
    return reply.code(204).send();
  });
}
