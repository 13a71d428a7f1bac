// The messages inbox of the signed-in user's business:
//
//   GET  /messages      ?show=open|done|all&before=<cursor>
//   POST /messages/:id/called-back   csrf, value=1|0 -> 303 back to the inbox | 404
import type { FastifyInstance } from 'fastify';
import type { InboxFilter, InboxMessage, InboxPage } from '../staff/message-inbox.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import { ApiError } from '../http/errors.js';
import type { ConsolePageDeps } from './console-services.js';
import { formField } from './form-body.js';
import { formatCallTime, knownTimeZone } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { staffActor, staffForm } from './page-form.js';
import { redirect, sendNotFoundPage, sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

const FILTERS: readonly [InboxFilter, string][] = [
  ['open', 'To call back'],
  ['done', 'Called back'],
  ['all', 'All'],
];

function filterOf(query: unknown): InboxFilter {
  const show = (query as Record<string, unknown> | undefined)?.show;
  return show === 'done' || show === 'all' ? show : 'open';
}

function message(item: InboxMessage, context: StaffSessionContext, filter: InboxFilter, now: Date): Html {
  const timeZone = knownTimeZone(context.business.timezone);
  const done = item.calledBackAt !== null;
  const status = done
    ? html`<span class="badge badge-ok">Called back</span> <span class="small muted">by ${item.calledBackBy ?? 'someone'}, <time datetime="${item.calledBackAt}">${formatCallTime(new Date(item.calledBackAt!), timeZone, now)}</time></span>`
    : html`<span class="badge badge-warn">To call back</span>`;
  const body = item.deleted
    ? html`<p class="muted">The contents of this message were deleted.</p>`
    : html`<dl class="facts compact">
  <div><dt>Name</dt><dd>${item.callerName}</dd></div>
  <div><dt>Call back on</dt><dd><a href="tel:${item.callbackNumber.replace(/[^\d+]/g, '')}">${item.callbackNumber}</a></dd></div>
  <div class="wide"><dt>Reason</dt><dd>${item.reason}</dd></div>
</dl>`;
  return html`<li class="message${done ? ' message-done' : ''}">
<p class="message-meta"><time datetime="${item.createdAt}">${formatCallTime(new Date(item.createdAt), timeZone, now)}</time> · <a href="/calls/${item.callId}">the call</a> · ${status}</p>
${body}
<form method="post" action="/messages/${item.id}/called-back">
  <input type="hidden" name="csrf" value="${context.csrfToken}">
  <input type="hidden" name="value" value="${done ? '0' : '1'}">
  <input type="hidden" name="show" value="${filter}">
  <button type="submit" class="${done ? 'secondary' : ''}">${done ? 'Mark as still to call back' : 'Mark as called back'}</button>
</form>
</li>`;
}

export function renderMessagesPage(context: StaffSessionContext, page: InboxPage, filter: InboxFilter, notice: Html, now: Date): string {
  const tabs = html`<nav class="tabs" aria-label="Which messages">${FILTERS.map(
    ([value, label]) => html`<a href="/messages?show=${value}"${value === filter ? html` aria-current="page"` : ''}>${label}${value === 'open' ? html` <span class="count">${page.openCount}</span>` : ''}</a>`,
  )}</nav>`;
  const empty = filter === 'open' ? 'Nothing to call back. Messages the agent takes appear here.' : 'No messages here.';
  return renderPage(
    { title: 'Messages', page: 'messages', ...staffChrome(context, 'messages') },
    html`<h1>Messages</h1>
${notice}
${tabs}
${page.messages.length === 0 ? html`<p class="empty">${empty}</p>` : html`<ul class="messages inbox">${page.messages.map((item) => message(item, context, filter, now))}</ul>`}
${page.nextCursor ? html`<nav class="pager" aria-label="More messages"><a rel="next" href="/messages?show=${filter}&before=${encodeURIComponent(page.nextCursor)}">Older messages</a></nav>` : ''}`,
  );
}

export function registerMessagePages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/messages', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const filter = filterOf(request.query);
    const before = (request.query as Record<string, unknown> | undefined)?.before;
    const page = await services.staff.inbox.list(context.business.id, filter, typeof before === 'string' ? before : null);
    return sendPage(reply, 200, renderMessagesPage(context, page, filter, noticeFor(request.query), deps.now()));
  });

  scope.post('/messages/:id/called-back', async (request, reply) => {
    const signedIn = await staffForm(request, reply, deps, { section: 'messages' });
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const { id } = request.params as { id: string };
    const calledBack = formField(request.body, 'value') !== '0';
    try {
      await services.staff.inbox.setCalledBack(context.business.id, id, calledBack, { actor: staffActor(context), name: context.user.displayName, ip: request.ip });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_found') return sendNotFoundPage(reply, staffChrome(context, 'messages'));
      throw error;
    }
    const show = filterOf({ show: formField(request.body, 'show') });
    return redirect(reply, withNotice(`/messages?show=${show}`, calledBack ? 'called-back' : 'reopened'));
  });
}
