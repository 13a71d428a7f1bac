// The call pages of the signed-in staff member's business:
//
//   GET /calls       ?from&to (days of the business's time zone)&status&direction&caller&q&cursor
//   GET /calls/:id   one call; another business's call is the same 404 page as a missing one
import type { FastifyInstance } from 'fastify';
import type { ConsolePageDeps, ConsoleServices } from './console-services.js';
import { noticeFor } from './notice.js';
import { readListForm, toCallFilter } from './call-list-query.js';
import { renderCallDetail, type RecordingState } from './call-detail-view.js';
import { renderCallList } from './call-list-view.js';
import { sendNotFoundPage, sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

/** Whether the recording's file is there to play: a missing file shows a sentence, not a dead player. */
async function recordingState(services: ConsoleServices, businessId: string, callId: string, hasRecording: boolean): Promise<RecordingState> {
  if (!hasRecording) return 'none';
  const stored = await services.staff.calls.recording(businessId, callId);
  const file = stored ? await services.staff.recordings.open(stored) : null;
  if (!file) return 'missing';
  await file.handle.close();
  return 'available';
}

export function registerCallPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/calls', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const form = readListForm(request.query);
    const result = toCallFilter(form, context.business.timezone);
    if (!result.ok) {
      const page = renderCallList({ context, form, page: null, extras: new Map(), problem: result.problem, total: null, now: deps.now() });
      return sendPage(reply, 400, page);
    }
    const [page, total] = await Promise.all([
      services.staff.calls.list(context.business.id, result.filter),
      services.staff.calls.count(context.business.id, result.filter),
    ]);
    const extras = await services.extras.of(
      context.business.id,
      page.calls.map((call) => call.id),
      result.filter.text,
    );
    return sendPage(reply, 200, renderCallList({ context, form, page, extras, problem: null, total, now: deps.now() }));
  });

  scope.get('/calls/:id', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const { id } = request.params as { id: string };
    const call = await services.staff.calls.get(context.business.id, id);
    if (!call) return sendNotFoundPage(reply, staffChrome(context, 'calls'));
    const search = (request.query as Record<string, unknown> | undefined)?.q;
    return sendPage(
      reply,
      200,
      renderCallDetail({
        context,
        view: call,
        recording: await recordingState(services, context.business.id, call.call.id, call.call.hasRecording),
        search: typeof search === 'string' ? search.trim().slice(0, 200) : '',
        notice: noticeFor(request.query),
      }),
    );
  });
}
