// The signed-in user's own account:
//
//   GET  /account                   their password form and their sessions
//   POST /account/password          csrf, current, password, confirm -> 303 | 400 | 403
//   POST /account/sessions/end      csrf, session=<id>|others -> 303 | 404
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SessionSummary, StaffSessionContext } from '../staff/session-store.js';
import type { ConsolePageDeps } from './console-services.js';
import { formField } from './form-body.js';
import { formatCallTime, knownTimeZone } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { staffActor, staffForm } from './page-form.js';
import { redirect, sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';
import { describeUserAgent } from './user-agent.js';
import { MIN_PASSWORD_LENGTH } from '../staff/password-policy.js';

interface AccountView {
  context: StaffSessionContext;
  sessions: SessionSummary[];
  problem: string | null;
  notice: Html;
  now: Date;
}

function sessionRow(view: AccountView, session: SessionSummary, timeZone: string): Html {
  const current = session.id === view.context.sessionId;
  return html`<tr>
  <td data-label="Browser">${describeUserAgent(session.userAgent)}${current ? html` <span class="badge badge-ok">This browser</span>` : ''}</td>
  <td data-label="From" class="small">${session.ip ?? ''}</td>
  <td data-label="Signed in"><time datetime="${session.createdAt.toISOString()}">${formatCallTime(session.createdAt, timeZone, view.now)}</time></td>
  <td data-label="Last used"><time datetime="${session.lastSeenAt.toISOString()}">${formatCallTime(session.lastSeenAt, timeZone, view.now)}</time></td>
  <td data-label="">${current ? '' : html`<form method="post" action="/account/sessions/end"><input type="hidden" name="csrf" value="${view.context.csrfToken}"><input type="hidden" name="session" value="${session.id}"><button type="submit" class="secondary">End</button></form>`}</td>
</tr>`;
}

export function renderAccountPage(view: AccountView): string {
  const { context } = view;
  const timeZone = knownTimeZone(context.business.timezone);
  const others = view.sessions.filter((session) => session.id !== context.sessionId).length;
  const describedBy = view.problem !== null ? html` aria-describedby="password-problem" aria-invalid="true"` : '';
  return renderPage(
    { title: 'Your account', page: 'account', ...staffChrome(context, 'account') },
    html`<h1>Your account</h1>
${view.notice}
<p>${context.user.displayName} · ${context.user.email} · ${context.user.role === 'manager' ? 'Manager' : 'Staff'} of ${context.business.name}</p>
<section aria-labelledby="password-title" class="narrow-left">
<h2 id="password-title">Change your password</h2>
${view.problem !== null ? html`<p class="alert" role="alert" id="password-problem">${view.problem}</p>` : ''}
<form class="stack" method="post" action="/account/password">
  <input type="hidden" name="csrf" value="${context.csrfToken}">
  <label for="current">Current password</label>
  <input id="current" name="current" type="password" autocomplete="current-password" required maxlength="1024">
  <label for="new-password">New password</label>
  <input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="256" aria-describedby="password-rules"${describedBy}>
  <p class="small muted" id="password-rules">At least ${MIN_PASSWORD_LENGTH} characters, not a common password. A few unrelated words are easy to remember and hard to guess.</p>
  <label for="confirm">New password again</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" required maxlength="256">
  <button type="submit">Change password</button>
</form>
</section>
<section aria-labelledby="sessions-title">
<h2 id="sessions-title">Where you are signed in</h2>
<p class="small muted">A session ends when you sign out, after a while without use, or at the latest half a day after you signed in. End any you do not recognise, then change your password.</p>
<div class="table-wrap"><table class="calls">
<caption class="visually-hidden">Your sessions</caption>
<thead><tr><th scope="col">Browser</th><th scope="col">From</th><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${view.sessions.map((session) => sessionRow(view, session, timeZone))}</tbody>
</table></div>
${others > 0
  ? html`<form method="post" action="/account/sessions/end"><input type="hidden" name="csrf" value="${context.csrfToken}"><input type="hidden" name="session" value="others"><button type="submit" class="secondary">End all other sessions (${others})</button></form>`
  : ''}
</section>`,
  );
}

export function registerAccountPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  const show = async (reply: FastifyReply, status: number, context: StaffSessionContext, sessions: SessionSummary[], problem: string | null, notice: Html) =>
    sendPage(reply, status, renderAccountPage({ context, sessions, problem, notice, now: deps.now() }));

  scope.get('/account', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    return show(reply, 200, context, await services.staff.sessions.listForUser(context.user.id), null, noticeFor(request.query));
  });

  scope.post('/account/password', async (request, reply) => {
    const signedIn = await staffForm(request, reply, deps, { section: 'account' });
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const current = formField(request.body, 'current') ?? '';
    const password = formField(request.body, 'password') ?? '';
    const confirm = formField(request.body, 'confirm') ?? '';
    const again = async (problem: string) => show(reply, 400, context, await services.staff.sessions.listForUser(context.user.id), problem, html``);
    if (password !== confirm) return again('The two new passwords differ. Type the same password twice.');
    const outcome = await services.staff.auth.changePassword(context, current, password, request.ip);
    if (outcome.kind === 'wrong_password') return again('The current password is not right.');
    if (outcome.kind === 'rejected') return again(outcome.problem);
    request.log.info({ userId: context.user.id, endedSessions: outcome.endedSessions }, 'staff changed their password');
    return redirect(reply, withNotice('/account', 'password-changed'));
  });

  scope.post('/account/sessions/end', async (request, reply) => {
    const signedIn = await staffForm(request, reply, deps, { section: 'account' });
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const which = formField(request.body, 'session') ?? '';
    const audit = (detail: string) =>
      services.staff.audit.record({ businessId: context.business.id, actor: staffActor(context), action: 'session_ended', detail, ip: request.ip });
    if (which === 'others') {
      const ended = await services.staff.sessions.deleteOthers(context.user.id, context.sessionId);
      await audit(`${ended} other session(s) of their own`);
      return redirect(reply, withNotice('/account', 'sessions-ended'));
    }
    if (which === context.sessionId || !(await services.staff.sessions.deleteForUser(context.user.id, which))) {
      return show(reply, 404, context, await services.staff.sessions.listForUser(context.user.id), null, html`<p class="alert" role="alert">That session does not exist any more (or is this one: sign out instead).</p>`);
    }
    await audit('one session of their own');
    return redirect(reply, withNotice('/account', 'session-ended'));
  });
}
