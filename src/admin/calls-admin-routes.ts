// The operator's routes for calls placed by the platform and what they need,
// registered under /admin/api with the same bearer check as the rest:
//
//   POST   /businesses/:id/calls                 OutboundCallRequest -> 202 { callId, status, from, to }
//   GET    /businesses/:id/do-not-call           -> { numbers: DoNotCallView[] }
//   POST   /businesses/:id/do-not-call           { e164, reason? } -> 201 DoNotCallView
//   DELETE /businesses/:id/do-not-call/:e164     -> 204
//   GET    /businesses/:id/extensions            -> { extensions: ExtensionView[] }
//   POST   /businesses/:id/extensions            { extension, displayName, staffUserId? } -> 201 { extension, sipPassword }
//   POST   /extensions/:extension/password       -> { extension, sipPassword } (the phone's registration ends)
//   POST   /extensions/:extension/disable        -> ExtensionView (Asterisk forgets it)
//   POST   /extensions/:extension/enable         -> { extension, sipPassword }
//
// A SIP password is in the answer that creates or changes it, and nowhere else.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ExtensionService } from './extension-service.js';
import { E164 } from './admin-schemas.js';
import { param, parse } from './route-input.js';
import type { DoNotCallList } from '../outbound/do-not-call.js';
import { OutboundCallRequest } from '../outbound/outbound-request.js';
import type { OutboundService } from '../outbound/outbound-service.js';

export interface CallAdminServices {
  readonly outbound: OutboundService;
  readonly doNotCall: DoNotCallList;
  readonly extensions: ExtensionService;
}

export const DoNotCallInput = z.object({ e164: E164, reason: z.string().trim().min(1).max(500).nullable().default(null) }).strict();

const ExtensionInput = z
  .object({
    extension: z.string().trim().regex(/^[1-9]\d{2,3}$/, 'must be 3 or 4 digits, not starting with 0'),
    displayName: z.string().trim().min(1, 'must not be empty').max(100),
    staffUserId: z.uuid().nullable().default(null),
  })
  .strict();

export function registerCallAdminRoutes(scope: FastifyInstance, services: () => CallAdminServices): void {
  scope.post('/businesses/:id/calls', async (request, reply) => {
    const call = await services().outbound.placeCall(param(request, 'id'), parse(OutboundCallRequest, request.body), 'operator');
    request.log.info({ businessId: param(request, 'id'), callId: call.callId }, 'admin: outbound call placed');
    return reply.code(202).send(call);
  });

  scope.get('/businesses/:id/do-not-call', async (request) => ({ numbers: await services().doNotCall.list(param(request, 'id')) }));

  scope.post('/businesses/:id/do-not-call', async (request, reply) => {
    const { e164, reason } = parse(DoNotCallInput, request.body);
    const entry = await services().doNotCall.add(param(request, 'id'), e164, reason);
    request.log.info({ businessId: param(request, 'id') }, 'admin: number added to the do-not-call list');
    return reply.code(201).send(entry);
  });

  scope.delete('/businesses/:id/do-not-call/:e164', async (request, reply) => {
    await services().doNotCall.remove(param(request, 'id'), parse(E164, param(request, 'e164')));
    return reply.code(204).send();
  });

  scope.get('/businesses/:id/extensions', async (request) => ({ extensions: await services().extensions.list(param(request, 'id')) }));

  scope.post('/businesses/:id/extensions', async (request, reply) => {
    const input = parse(ExtensionInput, request.body);
    const created = await services().extensions.create(param(request, 'id'), input);
    request.log.info({ businessId: param(request, 'id'), extension: input.extension }, 'admin: staff extension created');
    return reply.code(201).send(created);
  });

  scope.post('/extensions/:extension/password', async (request) => {
    const rotated = await services().extensions.rotatePassword(param(request, 'extension'));
    request.log.info({ extension: param(request, 'extension') }, 'admin: extension password rotated');
    return rotated;
  });

  scope.post('/extensions/:extension/disable', async (request) => {
    const disabled = await services().extensions.disable(param(request, 'extension'));
    request.log.info({ extension: param(request, 'extension') }, 'admin: extension disabled');
    return disabled;
  });

  scope.post('/extensions/:extension/enable', async (request) => {
    const enabled = await services().extensions.enable(param(request, 'extension'));
    request.log.info({ extension: param(request, 'extension') }, 'admin: extension enabled');
    return enabled;
  });
}
