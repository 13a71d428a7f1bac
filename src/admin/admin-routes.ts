// The platform operator's API, registered under /admin/api. Every route needs
// `authorization: Bearer <OPERATOR_TOKEN>` (401); without OPERATOR_TOKEN the
// whole API answers 503 admin_disabled.
//
//   GET    /overview                          -> Overview
//   GET    /businesses                        -> { businesses: BusinessView[] }
//   POST   /businesses                        BusinessInput -> 201 BusinessView
//   GET    /businesses/:id                    -> BusinessView
//   PATCH  /businesses/:id                    BusinessPatch -> BusinessView
//   DELETE /businesses/:id                    -> 204 (numbers and staff go too; call logs stay)
//   POST   /businesses/:id/numbers            { e164 } -> 201 BusinessView (409 when taken)
//   DELETE /businesses/:id/numbers/:e164      -> 204
//   GET    /businesses/:id/staff              -> { staff: StaffView[] }
//   POST   /businesses/:id/staff              StaffInput -> 201 StaffView (409 when the email exists)
//   GET    /staff/:userId                     -> StaffView
//   POST   /staff/:userId/disable             -> StaffView (sessions end)
//   POST   /staff/:userId/enable              -> StaffView
//   POST   /staff/:userId/password            { password } -> StaffView (sessions end)
//   GET    /audit                             ?business=<id>&before=<cursor> -> AuditPage
//
// Every change is recorded in the audit log with the actor "operator".
// Outbound calls, do-not-call lists and staff extensions: calls-admin-routes.ts.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerTokenChecker } from '../http/bearer-auth.js';
import { ApiError } from '../http/errors.js';
import { BusinessInput, BusinessPatch, E164, Password, StaffInput } from './admin-schemas.js';
import type { AuditAction, AuditLog } from '../staff/audit-log.js';
import type { AdminService } from './admin-service.js';
import { registerCallAdminRoutes, type CallAdminServices } from './calls-admin-routes.js';
import type { Overview } from './overview.js';
import { param, parse } from './route-input.js';

export interface AdminServices extends CallAdminServices {
  readonly admin: AdminService;
  readonly audit: AuditLog;
  overview(): Promise<Overview>;
}

export interface AdminRouteDeps {
  /** Undefined: the admin API is disabled. */
  operatorToken: string | undefined;
  /** Null while the backend is still starting. */
  services: () => AdminServices | null;
}

const NumberBody = z.object({ e164: E164 }).strict();
const PasswordBody = z.object({ password: Password }).strict();

export function adminRoutes(deps: AdminRouteDeps): FastifyPluginAsync {
  const authorized = deps.operatorToken === undefined ? null : bearerTokenChecker(deps.operatorToken);
  const services = (): AdminServices => {
    const ready = deps.services();
    if (!ready) throw new ApiError('unavailable', 'the backend is starting; retry later');
    return ready;
  };
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs a plugin that returns no promise synchronously: a throw would escape registration
  return async (scope) => {
    // eslint-disable-next-line @typescript-eslint/require-await -- fastify waits for done() on a request hook that returns no promise
    scope.addHook('onRequest', async (request) => {
      if (!authorized) throw new ApiError('admin_disabled');
      if (authorized(request.headers.authorization)) return;
      request.log.warn(
        { method: request.method, path: request.url.split('?')[0] },
        'admin API request refused: missing or invalid bearer token',
      );
      throw new ApiError('unauthorized');
    });

    const audit = (request: FastifyRequest, action: AuditAction, businessId: string | null, detail: string | null, targetId: string | null = null) =>
      services().audit.record({ businessId, actor: { kind: 'operator', label: 'operator' }, action, detail, targetId, ip: request.ip });

    scope.get('/overview', async () => services().overview());

    scope.get('/audit', async (request) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const business = typeof query.business === 'string' && query.business !== '' ? query.business : null;
      if (business !== null) await services().admin.getBusiness(business);
      return services().audit.list({ businessId: business, before: typeof query.before === 'string' ? query.before : null });
    });

    scope.get('/businesses', async () => ({ businesses: await services().admin.listBusinesses() }));

    scope.post('/businesses', async (request, reply) => {
      const business = await services().admin.createBusiness(parse(BusinessInput, request.body));
      await audit(request, 'business_created', business.id, business.name);
      request.log.info({ businessId: business.id }, 'admin: business created');
      return reply.code(201).send(business);
    });

    scope.get('/businesses/:id', async (request) => services().admin.getBusiness(param(request, 'id')));

    scope.patch('/businesses/:id', async (request) => {
      const patch = parse(BusinessPatch, request.body);
      const business = await services().admin.updateBusiness(param(request, 'id'), patch);
      await audit(request, 'settings_changed', business.id, `changed: ${Object.keys(patch).join(', ') || 'nothing'}`);
      request.log.info({ businessId: business.id }, 'admin: business updated');
      return business;
    });

    scope.delete('/businesses/:id', async (request, reply) => {
      await services().admin.deleteBusiness(param(request, 'id'));
      await audit(request, 'business_deleted', param(request, 'id'), null);
      request.log.info({ businessId: param(request, 'id') }, 'admin: business deleted');
      return reply.code(204).send();
    });

    scope.post('/businesses/:id/numbers', async (request, reply) => {
      const { e164 } = parse(NumberBody, request.body);
      const business = await services().admin.addNumber(param(request, 'id'), e164);
      await audit(request, 'number_added', business.id, e164);
      request.log.info({ businessId: business.id, phoneNumber: e164 }, 'admin: phone number added');
      return reply.code(201).send(business);
    });

    scope.delete('/businesses/:id/numbers/:e164', async (request, reply) => {
      const e164 = parse(E164, param(request, 'e164'));
      await services().admin.removeNumber(e164, param(request, 'id'));
      await audit(request, 'number_removed', param(request, 'id'), e164);
      request.log.info({ businessId: param(request, 'id'), phoneNumber: e164 }, 'admin: phone number removed');
      return reply.code(204).send();
    });

    scope.get('/businesses/:id/staff', async (request) => ({ staff: await services().admin.listStaff(param(request, 'id')) }));

    scope.post('/businesses/:id/staff', async (request, reply) => {
      const user = await services().admin.createStaff(param(request, 'id'), parse(StaffInput, request.body));
      await audit(request, 'staff_created', user.businessId, `${user.email} (${user.role})`, `staff:${user.id}`);
      request.log.info({ businessId: user.businessId, userId: user.id, role: user.role }, 'admin: staff account created');
      return reply.code(201).send(user);
    });

    scope.get('/staff/:userId', async (request) => services().admin.getStaff({ id: param(request, 'userId') }));

    scope.post('/staff/:userId/disable', async (request) => {
      const user = await services().admin.disableStaff({ id: param(request, 'userId') });
      await audit(request, 'staff_disabled', user.businessId, user.email, `staff:${user.id}`);
      request.log.info({ userId: user.id }, 'admin: staff account disabled');
      return user;
    });

    scope.post('/staff/:userId/enable', async (request) => {
      const user = await services().admin.enableStaff({ id: param(request, 'userId') });
      await audit(request, 'staff_enabled', user.businessId, user.email, `staff:${user.id}`);
      request.log.info({ userId: user.id }, 'admin: staff account enabled');
      return user;
    });

    scope.post('/staff/:userId/password', async (request) => {
      const { password } = parse(PasswordBody, request.body);
      const user = await services().admin.resetPassword({ id: param(request, 'userId') }, password);
      await audit(request, 'staff_password_reset', user.businessId, `${user.email}; their sessions ended`, `staff:${user.id}`);
      request.log.info({ userId: user.id }, 'admin: staff password reset');
      return user;
    });

    registerCallAdminRoutes(scope, services);
  };
}
