// The audit log as a table: when (in the viewer's time zone), who, what, about
// what, from where. Newest first, "Older entries" paging.
import type { AuditPage } from '../staff/audit-log.js';
import { formatCallTime } from './format.js';
import { html, type Html } from './html.js';

export interface AuditTableOptions {
  timeZone: string;
  now: Date;
  /** Business names by id for the operator's view across businesses; null hides the column. */
  businessNames: Map<string, string> | null;
  olderHref: string | null;
}

export function auditTable(page: AuditPage, options: AuditTableOptions): Html {
  if (page.events.length === 0) return html`<p class="empty">Nothing recorded yet.</p>`;
  const business = options.businessNames;
  return html`<p class="muted small">Times in ${options.timeZone}.</p>
<div class="table-wrap"><table class="calls audit">
<caption class="visually-hidden">Audit log, newest first</caption>
<thead><tr><th scope="col">When</th>${business ? html`<th scope="col">Business</th>` : ''}<th scope="col">Who</th><th scope="col">What</th><th scope="col">Details</th><th scope="col">From</th></tr></thead>
<tbody>${page.events.map(
    (event) => html`<tr>
  <td data-label="When"><time datetime="${event.createdAt}">${formatCallTime(new Date(event.createdAt), options.timeZone, options.now)}</time></td>
  ${business ? html`<td data-label="Business">${event.businessId ? (business.get(event.businessId) ?? 'Deleted business') : '—'}</td>` : ''}
  <td data-label="Who">${event.actorLabel}</td>
  <td data-label="What">${event.description}</td>
  <td data-label="Details">${event.detail ?? ''}${event.targetId ? html` <span class="muted small">${event.targetId.startsWith('call:') ? html`<a href="/calls/${event.targetId.slice(5)}">call</a>` : event.targetId}</span>` : ''}</td>
  <td data-label="From" class="small">${event.ip ?? ''}</td>
</tr>`,
  )}</tbody>
</table></div>
${options.olderHref ? html`<nav class="pager" aria-label="More entries"><a href="${options.olderHref}" rel="next">Older entries</a></nav>` : ''}`;
}
