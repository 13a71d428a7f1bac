// A manager's team page, for their own business only:
//
//   GET  /team                      the accounts and the form to add one
//   POST /team                      csrf, email, name, role, password -> 303 | 400 | 409
//   POST /team/:id/disable|enable   csrf -> 303 | 400 (oneself) | 404
//   POST /team/:id/password         csrf, password -> 303 | 400 | 404
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StaffView } from '../admin/admin-service.js';
import { ApiError } from '../http/errors.js';
import { MIN_PASSWORD_LENGTH } from '../staff/password-policy.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import type { ManagerContext } from '../staff/team-service.js';
import type { ConsolePageDeps, ConsoleServices } from './console-services.js';
import { formField } from './form-body.js';
import { formatCallTime, knownTimeZone } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { requireManager, staffActor, staffForm, textField } from './page-form.js';
import { redirect, sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

interface TeamView {
  context: StaffSessionContext;
  staff: StaffView[];
  notice: Html;
  problem: string | null;
  /** What was typed in the add form (never the password), to show again after a problem. */
  typed: { email: string; name: string; role: string };
  now: Date;
}

function memberRow(view: TeamView, member: StaffView): Html {
  const { context } = view;
  const self = member.id === context.user.id;
  const csrf = html`<input type="hidden" name="csrf" value="${context.csrfToken}">`;
  const state = member.disabledAt ? html`<span class="badge badge-warn">Disabled</span>` : html`<span class="badge badge-ok">Active</span>`;
  const toggle = self
    ? html`<span class="muted small">(you)</span>`
    : html`<form method="post" action="/team/${member.id}/${member.disabledAt ? 'enable' : 'disable'}">${csrf}<button type="submit" class="secondary">${member.disabledAt ? 'Enable' : 'Disable'}</button></form>`;
  return html`<tr>
  <td data-label="Name">${member.displayName}</td>
  <td data-label="Email">${member.email}</td>
  <td data-label="Role">${member.role === 'manager' ? 'Manager' : 'Staff'}</td>
  <td data-label="Status">${state}</td>
  <td data-label="Last sign-in">${member.lastLoginAt ? html`<time datetime="${member.lastLoginAt}">${formatCallTime(new Date(member.lastLoginAt), knownTimeZone(context.business.timezone), view.now)}</time>` : html`<span class="muted">Never</span>`}</td>
  <td data-label="Actions" class="actions-cell">${toggle}
    <details class="inline-form"><summary>Set a new password</summary>
      <form class="stack" method="post" action="/team/${member.id}/password">${csrf}
        <label for="pw-${member.id}">New password for ${member.displayName}</label>
        <input id="pw-${member.id}" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="256">
        <button type="submit">Set password</button>
      </form>
    </details>
  </td>
</tr>`;
}

export function renderTeamPage(view: TeamView): string {
  const { context } = view;
  const role = (value: string, label: string) => html`<option value="${value}"${view.typed.role === value ? html` selected` : ''}>${label}</option>`;
  return renderPage(
    { title: 'Team', page: 'team', ...staffChrome(context, 'team') },
    html`<h1>Team</h1>
${view.notice}
${view.problem !== null ? html`<p class="alert" role="alert" id="team-problem">${view.problem}</p>` : ''}
<div class="table-wrap"><table class="calls">
<caption class="visually-hidden">Accounts of ${context.business.name}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Last sign-in</th><th scope="col">Actions</th></tr></thead>
<tbody>${view.staff.map((member) => memberRow(view, member))}</tbody>
</table></div>
<section aria-labelledby="add-title" class="narrow-left">
<h2 id="add-title">Add someone</h2>
<form class="stack" method="post" action="/team">
  <input type="hidden" name="csrf" value="${context.csrfToken}">
  <label for="add-name">Name</label>
  <input id="add-name" name="name" required maxlength="200" value="${view.typed.name}">
  <label for="add-email">Email</label>
  <input id="add-email" name="email" type="email" required maxlength="254" value="${view.typed.email}">
  <label for="add-role">Role</label>
  <select id="add-role" name="role">${role('staff', 'Staff: sees calls, messages and the dashboard')}${role('manager', 'Manager: also the team, audit log and settings')}</select>
  <label for="add-password">First password</label>
  <input id="add-password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="256" aria-describedby="add-password-rules">
  <p class="small muted" id="add-password-rules">At least ${MIN_PASSWORD_LENGTH} characters, not a common password. They can change it under their account.</p>
  <button type="submit">Add account</button>
</form>
</section>`,
  );
}

function manager(context: StaffSessionContext, request: FastifyRequest): ManagerContext {
  return { businessId: context.business.id, userId: context.user.id, actor: staffActor(context), ip: request.ip };
}

const EMPTY_TYPED = { email: '', name: '', role: 'staff' };

export function registerTeamPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  const show = async (reply: FastifyReply, status: number, context: StaffSessionContext, services: ConsoleServices, extra: Partial<TeamView>) =>
    sendPage(
      reply,
      status,
      renderTeamPage({ context, staff: await services.staff.teamAdmin.list(context.business.id), notice: html``, problem: null, typed: EMPTY_TYPED, now: deps.now(), ...extra }),
    );

  /** Runs a change; an ApiError the user can act on is shown on the page with its status. */
  const change = async (request: FastifyRequest, reply: FastifyReply, run: (services: ConsoleServices, context: StaffSessionContext) => Promise<string>, typed = EMPTY_TYPED) => {
    const signedIn = await staffForm(request, reply, deps, { section: 'team', managerOnly: true });
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    try {
      return redirect(reply, await run(services, context));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      return show(reply, error.status, context, services, { problem: `Not done: ${error.message}.`, typed });
    }
  };

  scope.get('/team', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    if (!requireManager(reply, signedIn.context, 'team')) return reply;
    return show(reply, 200, signedIn.context, signedIn.services, { notice: noticeFor(request.query) });
  });

  scope.post('/team', async (request, reply) => {
    const typed = { email: textField(request.body, 'email', 254), name: textField(request.body, 'name', 200), role: textField(request.body, 'role', 20) || 'staff' };
    return change(
      request,
      reply,
      async (services, context) => {
        await services.staff.teamAdmin.create(manager(context, request), {
          email: typed.email,
          displayName: typed.name,
          role: typed.role,
          password: formField(request.body, 'password') ?? '',
        });
        return withNotice('/team', 'staff-created');
      },
      typed,
    );
  });

  for (const action of ['disable', 'enable'] as const) {
    scope.post(`/team/:id/${action}`, async (request, reply) =>
      change(request, reply, async (services, context) => {
        const { id } = request.params as { id: string };
        await services.staff.teamAdmin[action](manager(context, request), id);
        return withNotice('/team', action === 'disable' ? 'staff-disabled' : 'staff-enabled');
      }),
    );
  }

  scope.post('/team/:id/password', async (request, reply) =>
    change(request, reply, async (services, context) => {
      const { id } = request.params as { id: string };
      await services.staff.teamAdmin.resetPassword(manager(context, request), id, formField(request.body, 'password') ?? '');
      return withNotice('/team', 'password-reset');
    }),
  );
}
