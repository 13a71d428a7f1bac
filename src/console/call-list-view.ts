// The call list page: the filter form, one row per call (time in the
// business's time zone, caller, duration, status, the first thing the caller
// said), "Older calls" paging, and an empty state. Works without JavaScript;
// app.js only submits the form when a select or date changes.
import { engineBadge } from './engine-label.js';
import type { CallPage, CallSummary } from '../staff/call-views.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import type { CallListExtra } from './call-list-extras.js';
import { hasFilters, listHref, type ListForm } from './call-list-query.js';
import { FILTERABLE_STATUSES, outcomeBadges, statusText } from './call-status.js';
import { callerText, snippet } from './call-text.js';
import { formatCallTime, formatDuration, knownTimeZone } from './format.js';
import { matchingSentence } from './highlight.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { staffChrome } from './page-session.js';

export interface CallListView {
  context: StaffSessionContext;
  form: ListForm;
  /** Null when the filters were invalid. */
  page: CallPage | null;
  extras: Map<string, CallListExtra>;
  problem: string | null;
  /** Calls matching the filters, all pages together; null when the filters were invalid. */
  total: number | null;
  now: Date;
}

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
}

function filterForm(form: ListForm, timeZone: string): Html {
  return html`<form class="filters" method="get" action="/calls" role="search" aria-label="Filter calls" data-autosubmit>
  <div class="field"><label for="f-from">From</label><input id="f-from" name="from" type="date" value="${form.from}"></div>
  <div class="field"><label for="f-to">To</label><input id="f-to" name="to" type="date" value="${form.to}"></div>
  <div class="field"><label for="f-status">Status</label><select id="f-status" name="status">
    ${option('', 'Any', form.status)}${FILTERABLE_STATUSES.map((status) => option(status, statusText(status).label, form.status))}
  </select></div>
  <div class="field"><label for="f-direction">Direction</label><select id="f-direction" name="direction">
    ${option('', 'Any', form.direction)}${option('inbound', 'Inbound', form.direction)}${option('outbound', 'Outbound', form.direction)}
  </select></div>
  <div class="field"><label for="f-caller">Caller number</label><input id="f-caller" name="caller" type="search" inputmode="tel" maxlength="40" value="${form.caller}"></div>
  <div class="field grow"><label for="f-q">Words said</label><input id="f-q" name="q" type="search" maxlength="200" value="${form.q}"></div>
  <div class="field actions"><button type="submit">Filter</button> <a href="/calls">Clear</a></div>
</form>
<p class="muted small">Dates and times in ${timeZone} time.</p>`;
}

function statusCell(call: CallSummary, extra: CallListExtra | undefined): Html {
  const { label, tone } = statusText(call.status);
  const problem = extra?.problem ?? null;
  const badge = problem
    ? html`<span class="badge badge-${tone}" title="${problem}">${label}<span class="visually-hidden">: ${problem}</span></span>`
    : html`<span class="badge badge-${tone}">${label}</span>`;
  const message = call.messageCount > 0 ? html` <span class="badge badge-info">${call.messageCount === 1 ? 'Message' : `${call.messageCount} messages`}</span>` : '';
  const outcomes = outcomeBadges(call).map((extra) => html` <span class="badge badge-${extra.tone}">${extra.label}</span>`);
  return html`${badge}${message}${engineBadge(call.engine)}${outcomes}`;
}

function said(extra: CallListExtra | undefined, search: string): Html | string {
  if (search !== '' && extra?.matchText) return matchingSentence(extra.matchText, search);
  return snippet(extra?.firstCallerText ?? null);
}

function row(call: CallSummary, extra: CallListExtra | undefined, timeZone: string, now: Date, search: string): Html {
  const direction = call.direction === 'outbound' ? html` <span class="muted small">(outbound)</span>` : '';
  const href = search !== '' ? `/calls/${call.id}?q=${encodeURIComponent(search)}` : `/calls/${call.id}`;
  return html`<tr>
  <td data-label="Time"><a href="${href}"><time datetime="${call.createdAt}">${formatCallTime(new Date(call.createdAt), timeZone, now)}</time></a></td>
  <td data-label="Caller">${callerText(call.from)}${direction}</td>
  <td data-label="Duration" class="num">${formatDuration(call.durationMs)}</td>
  <td data-label="Status">${statusCell(call, extra)}</td>
  <td data-label="${search !== '' ? 'Where it was said' : 'Caller said'}" class="snippet">${said(extra, search)}</td>
</tr>`;
}

function emptyState(form: ListForm): Html {
  return hasFilters(form)
    ? html`<p class="empty">No calls match these filters. <a href="/calls">Show all calls</a></p>`
    : html`<p class="empty">No calls yet. Calls to your numbers appear here as soon as they start.</p>`;
}

function table(view: CallListView, page: CallPage, timeZone: string): Html {
  if (page.calls.length === 0) return emptyState(view.form);
  const older = page.nextCursor !== null ? html`<a href="${listHref(view.form, page.nextCursor)}" rel="next">Older calls</a>` : '';
  const newest = view.form.cursor !== '' ? html`<a href="${listHref(view.form, null)}">Newest calls</a>` : '';
  return html`<div class="table-wrap"><table class="calls">
<caption class="visually-hidden">Calls, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Caller</th><th scope="col">Duration</th><th scope="col">Outcome</th><th scope="col">${view.form.q !== '' ? 'Where it was said' : 'Caller said'}</th></tr></thead>
<tbody>
${page.calls.map((call) => row(call, view.extras.get(call.id), timeZone, view.now, view.form.q))}
</tbody>
</table></div>
${older !== '' || newest !== '' ? html`<nav class="pager" aria-label="More calls">${newest} ${older}</nav>` : ''}`;
}

function summaryLine(view: CallListView, total: number): Html {
  const exportHref = listHref(view.form, null).replace(/^\/calls/, '/calls/export.csv');
  const count = `${total.toLocaleString('en-US')} ${total === 1 ? 'call' : 'calls'}${hasFilters(view.form) ? ' match these filters' : ''}`;
  return html`<div class="list-summary"><p class="total" role="status">${count}.</p>${total > 0 ? html`<a class="button secondary" href="${exportHref}" download>Export CSV</a>` : ''}</div>`;
}

export function renderCallList(view: CallListView): string {
  const timeZone = knownTimeZone(view.context.business.timezone);
  return renderPage(
    { title: 'Calls', page: 'calls', ...staffChrome(view.context, 'calls') },
    html`<h1>Calls</h1>
${filterForm(view.form, timeZone)}
${view.problem !== null ? html`<p class="alert" role="alert">${view.problem}</p>` : ''}
${view.total !== null ? summaryLine(view, view.total) : ''}
${view.page !== null ? table(view, view.page, timeZone) : ''}`,
  );
}
