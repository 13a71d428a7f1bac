// The operator's view of the platform: calls in progress across businesses,
// the backend's readiness (Asterisk/ARI, database) and the media gateway's
// (its speech and language providers). Read-only; reload to refresh.
import type { Overview } from '../admin/overview.js';
import { callerText, lastTurnCell } from './call-text.js';
import { statusText } from './call-status.js';
import { formatDuration } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';

const CHECK_NAMES: Readonly<Record<string, string>> = {
  shutdown: 'Accepting calls',
  ari: 'Asterisk (ARI connection and Stasis application)',
  database: 'Database',
};

function checkList(checks: Record<string, { ok: boolean; reason?: string }>): Html {
  const entries = Object.entries(checks);
  if (entries.length === 0) return html`<p class="muted">No checks reported.</p>`;
  return html`<ul class="checks">${entries.map(
    ([name, check]) => html`<li><span class="badge badge-${check.ok ? 'ok' : 'bad'}">${check.ok ? 'OK' : 'Not ready'}</span>
      <span class="check-name">${CHECK_NAMES[name] ?? name}</span>${check.ok ? '' : html`: <span class="problem">${check.reason ?? 'unavailable'}</span>`}</li>`,
  )}</ul>`;
}

function readiness(ready: boolean): Html {
  return html`<span class="badge badge-${ready ? 'ok' : 'bad'}">${ready ? 'Ready' : 'Not ready'}</span>`;
}

function gateway(overview: Overview): Html {
  const { mediaGateway } = overview;
  if (!mediaGateway.reachable) {
    return html`<p>${readiness(false)} <span class="problem">${mediaGateway.reasons.join('; ')}</span></p>`;
  }
  return html`<p>${readiness(mediaGateway.ready)} <span class="muted small">HTTP ${mediaGateway.status ?? ''}</span></p>
${checkList(mediaGateway.checks)}`;
}

function activeCalls(overview: Overview): Html {
  const { calls, count } = overview.activeCalls;
  const summary = html`<p>${count === 1 ? '1 call' : `${count} calls`} held by the backend${
    count !== calls.length ? html` <span class="muted small">(${calls.length} of them routed to a business)</span>` : ''
  }.</p>`;
  if (calls.length === 0) return summary;
  return html`${summary}<div class="table-wrap"><table class="calls">
<caption class="visually-hidden">Calls in progress, all businesses</caption>
<thead><tr><th scope="col">Business</th><th scope="col">Caller</th><th scope="col">Dialed</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Last said</th></tr></thead>
<tbody>${calls.map(
    (call) => html`<tr>
  <td data-label="Business">${call.businessName ?? 'Deleted business'}</td>
  <td data-label="Caller">${callerText(call.from)}</td>
  <td data-label="Dialed">${call.to}</td>
  <td data-label="Status"><span class="badge badge-${statusText(call.status).tone}">${statusText(call.status).label}</span></td>
  <td data-label="Duration" class="num">${formatDuration(call.durationMs)}</td>
  <td data-label="Last said">${lastTurnCell(call.lastTurn)}</td>
</tr>`,
  )}</tbody></table></div>`;
}

export function renderOperatorPage(overview: Overview, csrfToken: string): string {
  return renderPage(
    { title: 'Platform', page: 'operator', operator: { csrfToken } },
    html`<h1>Platform</h1>
<p class="muted small"><a href="/operator">Reload</a> to refresh.</p>
<section aria-labelledby="backend-title">
<h2 id="backend-title">Backend ${readiness(overview.backend.ready)}</h2>
${checkList(overview.backend.checks)}
</section>
<section aria-labelledby="gateway-title">
<h2 id="gateway-title">Media gateway and providers</h2>
${gateway(overview)}
</section>
<section aria-labelledby="calls-title">
<h2 id="calls-title">Active calls</h2>
${activeCalls(overview)}
</section>`,
  );
}

export function renderOperatorLogin(error: string | null): string {
  const describedBy = error !== null ? html` aria-describedby="operator-error" aria-invalid="true"` : '';
  return renderPage(
    { title: 'Operator sign-in', page: 'operator-login' },
    html`<div class="narrow">
<h1>Operator sign-in</h1>
<p class="muted">The platform view: every business’s calls in progress and the health of Asterisk, the database and the providers.</p>
${error !== null ? html`<p class="alert" role="alert" id="operator-error">${error}</p>` : ''}
<form class="stack" method="post" action="/operator/login">
  <label for="token">Operator token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required maxlength="1024" autofocus${describedBy}>
  <button type="submit">Sign in</button>
</form>
</div>`,
  );
}
