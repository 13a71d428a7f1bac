// Pages for a business's managers:
//
//   GET  /audit     ?before=<cursor>   the business's audit log
//   GET  /settings                     how long recordings and transcripts are kept
//   POST /settings  csrf, recordingDays, transcriptDays ('' = forever) -> 303 | 400
//   POST /calls/:id/delete  csrf -> 303 the call | 404 | 409 (in progress)
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../http/errors.js';
import { MAX_RETENTION_DAYS, type RetentionSettings } from '../staff/retention.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import { auditTable } from './audit-view.js';
import type { ConsolePageDeps } from './console-services.js';
import { knownTimeZone } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { requireManager, staffActor, staffForm, textField } from './page-form.js';
import { redirect, sendErrorPage, sendNotFoundPage, sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

function daysField(id: string, name: string, label: string, value: number | string | null, help: string): Html {
  return html`<label for="${id}">${label}</label>
<input id="${id}" name="${name}" type="number" inputmode="numeric" min="1" max="${MAX_RETENTION_DAYS}" value="${value ?? ''}" aria-describedby="${id}-help">
<p class="small muted" id="${id}-help">${help}</p>`;
}

export function renderSettingsPage(context: StaffSessionContext, settings: { recordingDays: number | string | null; transcriptDays: number | string | null }, notice: Html, problem: string | null): string {
  return renderPage(
    { title: 'Settings', page: 'settings', ...staffChrome(context, 'settings') },
    html`<h1>Settings</h1>
${notice}
<section aria-labelledby="retention-title" class="narrow-left">
<h2 id="retention-title">How long calls are kept</h2>
<p>Calls always stay in the list and the dashboard. After the days you set, the recording is deleted, and what was said (the transcript and the messages’ contents) is emptied. Leave a field empty to keep forever. Deletion runs once a day.</p>
${problem !== null ? html`<p class="alert" role="alert">${problem}</p>` : ''}
<form class="stack" method="post" action="/settings">
  <input type="hidden" name="csrf" value="${context.csrfToken}">
  ${daysField('recording-days', 'recordingDays', 'Keep recordings for (days)', settings.recordingDays, 'Empty: forever.')}
  ${daysField('transcript-days', 'transcriptDays', 'Keep transcripts and messages for (days)', settings.transcriptDays, 'Empty: forever.')}
  <button type="submit">Save</button>
</form>
<p class="small muted">To delete one call’s recording and transcript now (for example when a caller asks), open the call and use “Delete recording and transcript”.</p>
</section>`,
  );
}

function parseDays(text: string): number | null | 'invalid' {
  if (text === '') return null;
  if (!/^\d{1,5}$/.test(text)) return 'invalid';
  return Number(text);
}

export function registerManagerPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/audit', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    if (!requireManager(reply, context, 'audit')) return reply;
    const before = (request.query as Record<string, unknown> | undefined)?.before;
    const page = await services.staff.audit.list({ businessId: context.business.id, before: typeof before === 'string' ? before : null });
    return sendPage(
      reply,
      200,
      renderPage(
        { title: 'Audit log', page: 'audit', ...staffChrome(context, 'audit') },
        html`<h1>Audit log</h1>
<p class="muted">Sign-ins, recordings played or downloaded, exports, and changes to staff and settings in ${context.business.name}.</p>
${auditTable(page, { timeZone: knownTimeZone(context.business.timezone), now: deps.now(), businessNames: null, olderHref: page.nextCursor ? `/audit?before=${encodeURIComponent(page.nextCursor)}` : null })}`,
      ),
    );
  });

  scope.get('/settings', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    if (!requireManager(reply, context, 'settings')) return reply;
    const settings = await services.staff.retention.settings(context.business.id);
    return sendPage(reply, 200, renderSettingsPage(context, settings, noticeFor(request.query), null));
  });

  scope.post('/settings', async (request, reply) => {
    const signedIn = await staffForm(request, reply, deps, { section: 'settings', managerOnly: true });
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const typed = { recordingDays: textField(request.body, 'recordingDays', 10), transcriptDays: textField(request.body, 'transcriptDays', 10) };
    const recordingDays = parseDays(typed.recordingDays);
    const transcriptDays = parseDays(typed.transcriptDays);
    const again = (problem: string) => sendPage(reply, 400, renderSettingsPage(context, typed, html``, problem));
    if (recordingDays === 'invalid' || transcriptDays === 'invalid') return again('Days must be a whole number, or empty to keep forever.');
    const settings: RetentionSettings = { recordingDays, transcriptDays };
    try {
      await services.staff.retention.updateSettings(context.business.id, settings, { actor: staffActor(context), ip: request.ip });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'bad_request') return again(`Not saved: ${error.message.replace('recordingDays', 'recordings').replace('transcriptDays', 'transcripts')}.`);
      throw error;
    }
    return redirect(reply, withNotice('/settings', 'settings-saved'));
  });

  scope.post('/calls/:id/delete', async (request, reply) => {
    const signedIn = await staffForm(request, reply, deps, { section: 'calls', managerOnly: true });
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const { id } = request.params as { id: string };
    try {
      await services.staff.retention.deleteCallContent(context.business.id, id, { actor: staffActor(context), ip: request.ip });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_found') return sendNotFoundPage(reply, staffChrome(context, 'calls'));
      if (error instanceof ApiError && error.code === 'conflict') return sendErrorPage(reply, 409, 'Call in progress', 'The call is still in progress. Delete its recording and transcript once it has ended.', staffChrome(context, 'calls'));
      throw error;
    }
    return redirect(reply, withNotice(`/calls/${id}`, 'content-deleted'));
  });
}
