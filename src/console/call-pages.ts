// The call pages of the signed-in staff member's business:
//
//   GET /calls       ?from&to (days of the business's time zone)&status&direction&caller&q&cursor
//   GET /calls/:id   one call; another business's call is the same 404 page as a missing one
import type { FastifyInstance } from 'fastify';
import type { ConsolePageDeps } from './console-services.js';
import { readListForm, toCallFilter } from './call-list-query.js';
import { renderCallDetail } from './call-detail-view.js';
import { renderCallList } from './call-list-view.js';
import { sendNotFoundPage, sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

export function registerCallPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/calls', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const form = readListForm(request.query);
    const result = toCallFilter(form, context.business.timezone);
    if (!result.ok) {
      const page = renderCallList({ context, form, page: null, extras: new Map(), problem: result.problem, now: deps.now() });
      return sendPage(reply, 400, page);
    }
    const page = await services.staff.calls.list(context.business.id, result.filter);
    const extras = await services.extras.of(
      context.business.id,
      page.calls.map((call) => call.id),
    );
    return sendPage(reply, 200, renderCallList({ context, form, page, extras, problem: null, now: deps.now() }));
  });

  scope.get('/calls/:id', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const { id } = request.params as { id: string };
    const call = await services.staff.calls.get(context.business.id, id);
    if (!call) return sendNotFoundPage(reply, staffChrome(context, 'calls'));
    return sendPage(reply, 200, renderCallDetail(context, call));
  });
}
