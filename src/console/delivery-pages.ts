// The webhook delivery log, for a business's managers:
//
//   GET  /integrations/deliveries  ?endpoint=<id>&status=pending|delivered|failed&before=<cursor>
//   POST /integrations/deliveries/:id/resend   csrf -> 303 | 404 | 409 (still pending, endpoint off)
//
// One row per delivery of an event to an endpoint: its state, attempts, the
// last answer or error, and when it is tried next. "Send again" queues the
// same event (same webhook-id) for the same endpoint, due now.
import type { FastifyInstance } from 'fastify';
import { DELIVERY_STATUSES, isDeliveryStatus, type DeliveryPage, type DeliveryStatus, type DeliveryView } from '../integrations/webhook-delivery-log.js';
import type { WebhookEndpointView } from '../integrations/webhook-endpoints.js';
import type { ConsolePageDeps } from './console-services.js';
import { formatCallTime, knownTimeZone } from './format.js';
import { html, type Html } from './html.js';
import { integrationForm, integrationPage, refusal, type IntegrationRequest } from './integration-form.js';
import { csrfField, integrationTabs, problemAlert } from './integration-views.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { redirect, sendPage } from './page-reply.js';
import { staffChrome } from './page-session.js';

interface DeliveriesView {
  page: DeliveryPage;
  endpoints: WebhookEndpointView[];
  filter: { endpoint: string; status: DeliveryStatus | null };
  notice: Html;
  problem: string | null;
  now: Date;
}

const STATUS_BADGES: Readonly<Record<DeliveryStatus, Html>> = {
  pending: html`<span class="badge badge-info">Pending</span>`,
  delivered: html`<span class="badge badge-ok">Delivered</span>`,
  failed: html`<span class="badge badge-bad">Failed</span>`,
};

function query(filter: DeliveriesView['filter'], before: string | null): string {
  const params = new URLSearchParams();
  if (filter.endpoint) params.set('endpoint', filter.endpoint);
  if (filter.status) params.set('status', filter.status);
  if (before) params.set('before', before);
  const text = params.toString();
  return text === '' ? '/integrations/deliveries' : `/integrations/deliveries?${text}`;
}

function deliveryRow(request: IntegrationRequest, view: DeliveriesView, delivery: DeliveryView): Html {
  const zone = knownTimeZone(request.context.business.timezone);
  const at = (date: Date | null) => (date ? html`<time datetime="${date.toISOString()}">${formatCallTime(date, zone, view.now)}</time>` : html`<span class="muted">–</span>`);
  const last = delivery.lastError ?? (delivery.lastStatusCode !== null ? `HTTP ${delivery.lastStatusCode}` : '');
  const resend =
    delivery.status === 'pending'
      ? html`<span class="small muted">Next try ${at(delivery.nextAttemptAt)}</span>`
      : html`<form method="post" action="/integrations/deliveries/${delivery.id}/resend">${csrfField(request.context.csrfToken)}<button type="submit" class="secondary">Send again</button></form>`;
  return html`<tr>
  <td data-label="Created">${at(delivery.createdAt)}</td>
  <td data-label="Event"><code>${delivery.type}</code><br><span class="small muted">${delivery.eventId}</span>${delivery.callId ? html`<br><a class="small" href="/calls/${delivery.callId}">The call</a>` : ''}</td>
  <td data-label="Endpoint"><code>${delivery.endpointUrl}</code></td>
  <td data-label="Status">${STATUS_BADGES[delivery.status]}</td>
  <td data-label="Attempts">${delivery.attempts}</td>
  <td data-label="Last answer">${last === '' ? html`<span class="muted">–</span>` : last}${delivery.lastAttemptAt ? html`<br><span class="small muted">${at(delivery.lastAttemptAt)}</span>` : ''}</td>
  <td data-label="Actions" class="actions-cell">${resend}</td>
</tr>`;
}

export function renderDeliveriesPage(request: IntegrationRequest, view: DeliveriesView): string {
  const { context } = request;
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const rows = view.page.deliveries;
  return renderPage(
    { title: 'Delivery log', page: 'integrations', ...staffChrome(context, 'integrations') },
    html`<h1>Integrations</h1>
${integrationTabs('deliveries')}
${view.notice}
${problemAlert(view.problem)}
<form class="filters" method="get" action="/integrations/deliveries">
  <div class="field grow"><label for="f-endpoint">Endpoint</label><select id="f-endpoint" name="endpoint">${option('', 'All endpoints', view.filter.endpoint === '')}${view.endpoints.map((endpoint) => option(endpoint.id, endpoint.url, endpoint.id === view.filter.endpoint))}</select></div>
  <div class="field"><label for="f-status">Status</label><select id="f-status" name="status">${option('', 'Any', view.filter.status === null)}${DELIVERY_STATUSES.map((status) => option(status, status[0]!.toUpperCase() + status.slice(1), status === view.filter.status))}</select></div>
  <div class="actions"><button type="submit">Show</button></div>
</form>
${
  rows.length === 0
    ? html`<p class="muted">No deliveries${view.filter.status || view.filter.endpoint ? ' match these filters' : ' yet'}.</p>`
    : html`<div class="table-wrap"><table class="calls">
<caption class="visually-hidden">Webhook deliveries, newest first</caption>
<thead><tr><th scope="col">Created</th><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows.map((delivery) => deliveryRow(request, view, delivery))}</tbody>
</table></div>`
}
${view.page.nextCursor ? html`<p><a href="${query(view.filter, view.page.nextCursor)}">Older deliveries</a></p>` : ''}`,
  );
}

export function registerDeliveryPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/integrations/deliveries', async (request, reply) => {
    const page = await integrationPage(request, reply, deps);
    if (!page) return reply;
    const params = (request.query ?? {}) as Record<string, unknown>;
    const text = (name: string): string => {
      const value = params[name];
      return typeof value === 'string' ? value : '';
    };
    const statusText = text('status');
    const status: DeliveryStatus | null = isDeliveryStatus(statusText) ? statusText : null;
    const filter = { endpoint: text('endpoint'), status };
    const { integrations } = page.services;
    const [deliveries, endpoints] = await Promise.all([
      integrations.deliveries.list(page.change.businessId, { endpointId: filter.endpoint || null, status, before: text('before') || null }),
      integrations.webhooks.list(page.change.businessId),
    ]);
    return sendPage(reply, 200, renderDeliveriesPage(page, { page: deliveries, endpoints, filter, notice: noticeFor(request.query), problem: null, now: deps.now() }));
  });

  scope.post('/integrations/deliveries/:id/resend', async (request, reply) => {
    const form = await integrationForm(request, reply, deps);
    if (!form) return reply;
    try {
      await form.services.integrations.deliveries.sendAgain(form.change, (request.params as { id: string }).id);
      return redirect(reply, withNotice('/integrations/deliveries', 'sent-again'));
    } catch (error) {
      const { status, problem } = refusal(error);
      const { integrations } = form.services;
      const [deliveries, endpoints] = await Promise.all([integrations.deliveries.list(form.change.businessId), integrations.webhooks.list(form.change.businessId)]);
      return sendPage(reply, status, renderDeliveriesPage(form, { page: deliveries, endpoints, filter: { endpoint: '', status: null }, notice: html``, problem: problem.replace('Not saved', 'Not sent'), now: deps.now() }));
    }
  });
}
