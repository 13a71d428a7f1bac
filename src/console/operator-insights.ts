// What the operator sees across businesses:
//
//   GET /operator/dashboard ?business=<id>   the dashboard of every business (UTC),
//                                            or of one (in its time zone)
//   GET /operator/audit ?business=<id>&before=<cursor>   the audit log
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditTable } from './audit-view.js';
import type { ConsolePageDeps } from './console-services.js';
import { dashboardContent } from './dashboard-view.js';
import { dashboardWindow } from './dashboard-window.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { sendPage } from './page-reply.js';
import { readyServices } from './page-session.js';

/** The operator's sign-out CSRF token when signed in as the operator; null after answering otherwise. */
export type OperatorCheck = (request: FastifyRequest, reply: FastifyReply) => Promise<string | null>;

function queryText(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 200) : '';
}

function businessChoice(action: string, businesses: { id: string; name: string }[], selected: string): Html {
  return html`<form class="filters" method="get" action="${action}" data-autosubmit>
  <div class="field"><label for="f-business">Business</label><select id="f-business" name="business">
    <option value=""${selected === '' ? html` selected` : ''}>Every business</option>
    ${businesses.map((business) => html`<option value="${business.id}"${business.id === selected ? html` selected` : ''}>${business.name}</option>`)}
  </select></div>
  <div class="field actions"><button type="submit">Show</button></div>
</form>`;
}

export function registerOperatorInsights(scope: FastifyInstance, deps: ConsolePageDeps, operator: OperatorCheck): void {
  scope.get('/operator/dashboard', async (request, reply) => {
    const csrfToken = await operator(request, reply);
    if (csrfToken === null) return reply;
    const services = readyServices(deps, reply);
    if (!services) return reply;
    const businesses = await services.businesses();
    const chosen = businesses.find((business) => business.id === queryText(request, 'business')) ?? null;
    const window = dashboardWindow(chosen?.id ?? null, chosen?.timezone ?? 'UTC', deps.now());
    const dashboard = await services.staff.dashboard.dashboard(window);
    return sendPage(
      reply,
      200,
      renderPage(
        { title: 'Dashboard', page: 'operator-dashboard', operator: { csrfToken, current: 'dashboard' } },
        html`<h1>Dashboard${chosen ? html`: ${chosen.name}` : html` of every business`}</h1>
${businessChoice('/operator/dashboard', businesses, chosen?.id ?? '')}
${dashboardContent(dashboard)}`,
      ),
    );
  });

  scope.get('/operator/audit', async (request, reply) => {
    const csrfToken = await operator(request, reply);
    if (csrfToken === null) return reply;
    const services = readyServices(deps, reply);
    if (!services) return reply;
    const businesses = await services.businesses();
    const chosen = businesses.find((business) => business.id === queryText(request, 'business')) ?? null;
    const page = await services.staff.audit.list({ businessId: chosen?.id ?? null, before: queryText(request, 'before') || null });
    const names = new Map(businesses.map((business) => [business.id, business.name]));
    const base = chosen ? `/operator/audit?business=${encodeURIComponent(chosen.id)}&` : '/operator/audit?';
    return sendPage(
      reply,
      200,
      renderPage(
        { title: 'Audit log', page: 'operator-audit', operator: { csrfToken, current: 'audit' } },
        html`<h1>Audit log${chosen ? html`: ${chosen.name}` : ''}</h1>
${businessChoice('/operator/audit', businesses, chosen?.id ?? '')}
${auditTable(page, { timeZone: 'UTC', now: deps.now(), businessNames: chosen ? null : names, olderHref: page.nextCursor ? `${base}before=${encodeURIComponent(page.nextCursor)}` : null })}`,
      ),
    );
  });
}
