// A manager's webhook pages:
//
//   GET  /integrations                          -> 303 /integrations/webhooks
//   GET  /integrations/webhooks                 the endpoints, the form to add one
//   POST /integrations/webhooks                 csrf, url, description, ev_*, enabled -> 200 (the new secret) | 400 | 409
//   POST /integrations/webhooks/:id             the same fields -> 303 | 400 | 404
//   POST /integrations/webhooks/:id/delete      csrf -> 303 | 404
//   POST /integrations/webhooks/:id/rotate      csrf -> 200 (the new secret) | 404
//   POST /integrations/webhooks/:id/secret      csrf -> 200 (the secret) | 404
//
// A secret is shown in the answer to the POST that asked for it (never in a
// URL, never cached), and each showing is in the audit log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEBHOOK_SECRET_OVERLAP_MS, type WebhookEndpointInput, type WebhookEndpointView } from '../integrations/webhook-endpoints.js';
import { EVENT_DESCRIPTIONS, WEBHOOK_EVENT_TYPES } from '../integrations/webhook-events.js';
import type { ConsolePageDeps } from './console-services.js';
import { html, type Html } from './html.js';
import { integrationForm, integrationPage, refusal, checked, rawField, type IntegrationRequest } from './integration-form.js';
import { checkbox, csrfField, enabledBadge, integrationTabs, problemAlert, secretBox } from './integration-views.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { redirect, sendPage } from './page-reply.js';
import { staffChrome } from './page-session.js';

const eventField = (type: string): string => `ev_${type.replace('.', '_')}`;

interface WebhooksView {
  endpoints: WebhookEndpointView[];
  notice: Html;
  problem: string | null;
  /** What was typed in the add form, to show again after a problem. */
  typed: WebhookEndpointInput;
  secret: Html;
}

const EMPTY: WebhookEndpointInput = { url: '', description: '', events: [...WEBHOOK_EVENT_TYPES], enabled: true };

function endpointFields(prefix: string, value: WebhookEndpointInput): Html {
  return html`<label for="${prefix}-url">URL</label>
  <input id="${prefix}-url" name="url" type="url" required maxlength="2048" placeholder="https://example.com/hooks/phone" value="${value.url}">
  <label for="${prefix}-description">Description (optional)</label>
  <input id="${prefix}-description" name="description" maxlength="200" value="${value.description}">
  <fieldset><legend>Events</legend>
  ${WEBHOOK_EVENT_TYPES.map((type) => html`<div>${checkbox(`${prefix}-${eventField(type)}`, eventField(type), `${type}: ${EVENT_DESCRIPTIONS[type]}`, value.events.includes(type))}</div>`)}
  </fieldset>
  ${checkbox(`${prefix}-enabled`, 'enabled', 'On: send events to this endpoint', value.enabled)}`;
}

function endpointRow(request: IntegrationRequest, endpoint: WebhookEndpointView): Html {
  const csrf = csrfField(request.context.csrfToken);
  const base = `/integrations/webhooks/${endpoint.id}`;
  return html`<tr>
  <td data-label="URL"><code>${endpoint.url}</code>${endpoint.description ? html`<br><span class="small muted">${endpoint.description}</span>` : ''}</td>
  <td data-label="Events">${endpoint.events.join(', ')}</td>
  <td data-label="State">${enabledBadge(endpoint.enabled)}${endpoint.previousSecretUntil ? html` <span class="badge badge-info">Rotating</span>` : ''}</td>
  <td data-label="Actions" class="actions-cell">
    <a href="/integrations/deliveries?endpoint=${endpoint.id}">Deliveries</a>
    <form method="post" action="${base}/secret">${csrf}<button type="submit" class="secondary">Show secret</button></form>
    <form method="post" action="${base}/rotate">${csrf}<button type="submit" class="secondary">Rotate secret</button></form>
    <details class="inline-form"><summary>Change</summary>
      <form class="stack" method="post" action="${base}">${csrf}${endpointFields(`e-${endpoint.id}`, endpoint)}<button type="submit">Save</button></form>
      <form method="post" action="${base}/delete">${csrf}<button type="submit" class="danger">Delete this endpoint</button></form>
    </details>
  </td>
</tr>`;
}

export function renderWebhooksPage(request: IntegrationRequest, view: WebhooksView): string {
  const { context } = request;
  const table =
    view.endpoints.length === 0
      ? html`<p class="muted">No endpoint yet. Add one below to hear about calls in your own systems.</p>`
      : html`<div class="table-wrap"><table class="calls">
<caption class="visually-hidden">Webhook endpoints of ${context.business.name}</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
<tbody>${view.endpoints.map((endpoint) => endpointRow(request, endpoint))}</tbody>
</table></div>`;
  return renderPage(
    { title: 'Webhooks', page: 'integrations', ...staffChrome(context, 'integrations') },
    html`<h1>Integrations</h1>
${integrationTabs('webhooks')}
${view.notice}
${view.secret}
${problemAlert(view.problem)}
<p>Each event is sent as a signed JSON POST (Standard Webhooks headers: webhook-id, webhook-timestamp, webhook-signature). A failed delivery is retried with growing delays for 24 hours; see the delivery log.</p>
${table}
<section aria-labelledby="add-title" class="narrow-left">
<h2 id="add-title">Add an endpoint</h2>
<form class="stack" method="post" action="/integrations/webhooks">${csrfField(context.csrfToken)}
  ${endpointFields('add', view.typed)}
  <button type="submit">Add endpoint</button>
</form>
</section>`,
  );
}

function typedEndpoint(body: unknown): WebhookEndpointInput {
  return {
    url: rawField(body, 'url', 2048).trim(),
    description: rawField(body, 'description', 400),
    events: WEBHOOK_EVENT_TYPES.filter((type) => checked(body, eventField(type))),
    enabled: checked(body, 'enabled'),
  };
}

export function registerWebhookPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  const show = async (reply: FastifyReply, status: number, request: IntegrationRequest, extra: Partial<WebhooksView>) =>
    sendPage(
      reply,
      status,
      renderWebhooksPage(request, {
        endpoints: await request.services.integrations.webhooks.list(request.change.businessId),
        notice: html``,
        problem: null,
        typed: EMPTY,
        secret: html``,
        ...extra,
      }),
    );

  scope.get('/integrations', async (request, reply) => {
    const page = await integrationPage(request, reply, deps);
    return page ? redirect(reply, '/integrations/webhooks') : reply;
  });

  scope.get('/integrations/webhooks', async (request, reply) => {
    const page = await integrationPage(request, reply, deps);
    return page ? show(reply, 200, page, { notice: noticeFor(request.query) }) : reply;
  });

  scope.post('/integrations/webhooks', async (request, reply) => {
    const form = await integrationForm(request, reply, deps);
    if (!form) return reply;
    const typed = typedEndpoint(request.body);
    try {
      const created = await form.services.integrations.webhooks.create(form.change, typed);
      return show(reply, 200, form, { secret: secretBox('Endpoint added: its signing secret', created.secret, 'Give this secret to the receiving system: it checks every request’s signature with it. “Show secret” shows it again.') });
    } catch (error) {
      const { status, problem } = refusal(error);
      return show(reply, status, form, { problem, typed });
    }
  });

  const byId = (path: string, run: (form: IntegrationRequest, id: string, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) =>
    scope.post(path, async (request, reply) => {
      const form = await integrationForm(request, reply, deps);
      if (!form) return reply;
      try {
        return await run(form, (request.params as { id: string }).id, request, reply);
      } catch (error) {
        const { status, problem } = refusal(error);
        return show(reply, status, form, { problem });
      }
    });

  byId('/integrations/webhooks/:id', async (form, id, request, reply) => {
    await form.services.integrations.webhooks.update(form.change, id, typedEndpoint(request.body));
    return redirect(reply, withNotice('/integrations/webhooks', 'endpoint-saved'));
  });

  byId('/integrations/webhooks/:id/delete', async (form, id, _request, reply) => {
    await form.services.integrations.webhooks.remove(form.change, id);
    return redirect(reply, withNotice('/integrations/webhooks', 'endpoint-deleted'));
  });

  byId('/integrations/webhooks/:id/rotate', async (form, id, _request, reply) => {
    const secrets = await form.services.integrations.webhooks.rotateSecret(form.change, id);
    const hours = Math.round(WEBHOOK_SECRET_OVERLAP_MS / 3_600_000);
    const previous = secrets.previousSecret && secrets.previousSecretUntil ? { secret: secrets.previousSecret, until: secrets.previousSecretUntil.toISOString() } : null;
    return show(reply, 200, form, { secret: secretBox('New signing secret', secrets.secret, `Both secrets sign every request for the next ${hours} hours: switch the receiving system to the new one within that time.`, previous) });
  });

  byId('/integrations/webhooks/:id/secret', async (form, id, _request, reply) => {
    const secrets = await form.services.integrations.webhooks.revealSecret(form.change, id);
    const previous = secrets.previousSecret && secrets.previousSecretUntil ? { secret: secrets.previousSecret, until: secrets.previousSecretUntil.toISOString() } : null;
    return show(reply, 200, form, { secret: secretBox('Signing secret', secrets.secret, 'Keep it in the receiving system’s configuration, never in code or chat.', previous) });
  });
}
