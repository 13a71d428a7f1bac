// Pieces the integration pages share: the tabs between webhooks, the delivery
// log and tools; the box that shows a secret once it was asked for; an on/off
// checkbox; a form's problem.
import { html, type Html } from './html.js';

export type IntegrationTab = 'webhooks' | 'deliveries' | 'tools';

const TABS: readonly [IntegrationTab, string, string][] = [
  ['webhooks', '/integrations/webhooks', 'Webhooks'],
  ['deliveries', '/integrations/deliveries', 'Delivery log'],
  ['tools', '/integrations/tools', 'Tools and MCP servers'],
];

export function integrationTabs(current: IntegrationTab): Html {
  return html`<nav aria-label="Integrations" class="tabs">${TABS.map(([tab, href, label]) => html`<a href="${href}"${tab === current ? html` aria-current="page"` : ''}>${label}</a>`)}</nav>`;
}

/** A secret shown on the answer to the POST that asked for it, never in a URL. */
export function secretBox(title: string, secret: string, note: string, previous: { secret: string; until: string } | null = null): Html {
  return html`<section class="notice" role="status" aria-labelledby="secret-title">
<h2 id="secret-title">${title}</h2>
<p><code id="shown-secret">${secret}</code></p>
${previous ? html`<p class="small">The previous secret still signs next to it until <time datetime="${previous.until}">${previous.until}</time>: <code>${previous.secret}</code></p>` : ''}
<p class="small">${note}</p>
</section>`;
}

export function checkbox(id: string, name: string, label: string, checked: boolean): Html {
  return html`<label for="${id}" class="check"><input id="${id}" name="${name}" type="checkbox" value="on"${checked ? html` checked` : ''}> ${label}</label>`;
}

export function problemAlert(problem: string | null): Html {
  return problem === null ? html`` : html`<p class="alert" role="alert" id="form-problem">${problem}</p>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

export function enabledBadge(enabled: boolean): Html {
  return enabled ? html`<span class="badge badge-ok">On</span>` : html`<span class="badge badge-warn">Off</span>`;
}
