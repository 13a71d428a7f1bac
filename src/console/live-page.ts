// GET /live: the business's calls in progress, with how long each has lasted
// and the last thing said. Rendered complete by the server; app.js then
// follows /api/live/events and keeps the rows and durations current (the row
// markup here and in app.js must stay the same).
import type { FastifyInstance } from 'fastify';
import type { LiveCallView } from '../staff/live-feed.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import { callerText, lastTurnCell } from './call-text.js';
import { statusText } from './call-status.js';
import type { ConsolePageDeps } from './console-services.js';
import { formatDuration } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

function liveRow(call: LiveCallView): Html {
  const { label, tone } = statusText(call.status);
  return html`<tr data-call-id="${call.id}" data-duration-ms="${call.durationMs}">
  <td data-label="Caller"><a href="/calls/${call.id}">${callerText(call.from)}</a></td>
  <td data-label="Dialed">${call.to}</td>
  <td data-label="Status"><span class="badge badge-${tone}">${label}</span></td>
  <td data-label="Duration" class="num" data-role="duration">${formatDuration(call.durationMs)}</td>
  <td data-label="Last said" data-role="last-turn">${lastTurnCell(call.lastTurn)}</td>
</tr>`;
}

export function renderLivePage(context: StaffSessionContext, calls: LiveCallView[]): string {
  const empty = calls.length === 0;
  return renderPage(
    { title: 'Live calls', page: 'live', ...staffChrome(context, 'live') },
    html`<h1>Live calls</h1>
<p id="live-status" class="muted small" role="status">Calls in progress when the page was loaded. <a href="/live">Reload</a> to update.</p>
<div class="table-wrap" id="live-table"${empty ? html` hidden` : ''}><table class="calls live" id="live-calls">
<caption class="visually-hidden">Calls in progress</caption>
<thead><tr><th scope="col">Caller</th><th scope="col">Dialed</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Last said</th></tr></thead>
<tbody>
${calls.map(liveRow)}
</tbody>
</table></div>
<p id="live-empty" class="empty"${empty ? '' : html` hidden`}>No calls in progress.</p>`,
  );
}

export function registerLivePage(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/live', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    return sendPage(reply, 200, renderLivePage(context, services.staff.live.list(context.business.id)));
  });
}
