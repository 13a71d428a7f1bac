// GET /calls/export.csv ?<the call list's filters>: the filtered calls as CSV
// (RFC 4180: CRLF line ends, fields quoted when needed, quotes doubled), in the
// business's time zone, newest first, streamed a page at a time. Cells that a
// spreadsheet would run as a formula (=, +, -, @ first; a phone number alone
// is left as it is) get a leading apostrophe (OWASP "CSV injection").
// At most MAX_EXPORT_ROWS rows; the export goes to the audit log.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { CallFilter } from '../staff/call-filters.js';
import { MAX_PAGE_SIZE } from '../staff/call-filters.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import { readListForm, toCallFilter, type ListForm } from './call-list-query.js';
import { statusText } from './call-status.js';
import type { ConsolePageDeps, ConsoleServices } from './console-services.js';
import { formatFullTime, knownTimeZone } from './format.js';
import { staffActor } from './page-form.js';
import { sendErrorPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

export const MAX_EXPORT_ROWS = 100_000;
const HEADER = ['Started', 'Time zone', 'Caller', 'Dialed number', 'Direction', 'Outcome', 'Duration (s)', 'Messages', 'Recording', 'Caller said first', 'What went wrong', 'Call id'];

/** One CSV field: formula-safe, quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^\+\d{4,15}$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(fields: readonly (string | number | null)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

async function* exportLines(services: ConsoleServices, context: StaffSessionContext, filter: CallFilter, counter: { rows: number }): AsyncGenerator<string> {
  const timeZone = knownTimeZone(context.business.timezone);
  yield `\uFEFF${csvLine(HEADER)}`; // BOM: spreadsheets then read UTF-8
  let cursor = filter.cursor;
  for (;;) {
    const page = await services.staff.calls.list(context.business.id, { ...filter, cursor, limit: MAX_PAGE_SIZE });
    const extras = await services.extras.of(context.business.id, page.calls.map((call) => call.id));
    for (const call of page.calls) {
      if (counter.rows >= MAX_EXPORT_ROWS) return;
      counter.rows += 1;
      const extra = extras.get(call.id);
      yield csvLine([
        formatFullTime(new Date(call.createdAt), timeZone),
        timeZone,
        call.from,
        call.to,
        call.direction,
        statusText(call.status).label,
        call.durationMs === null ? null : Math.round(call.durationMs / 1000),
        call.messageCount,
        call.hasRecording ? 'yes' : 'no',
        extra?.firstCallerText ?? null,
        extra?.problem ?? null,
        call.id,
      ]);
    }
    if (page.nextCursor === null) return;
    cursor = { createdAt: new Date(page.calls.at(-1)!.createdAt), id: page.calls.at(-1)!.id };
  }
}

function describeFilters(form: ListForm): string {
  const parts = (['from', 'to', 'status', 'direction', 'caller', 'q'] as const).filter((field) => form[field] !== '').map((field) => `${field}=${form[field]}`);
  return parts.length > 0 ? parts.join(', ') : 'all calls';
}

export function registerCallExport(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/calls/export.csv', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const form = { ...readListForm(request.query), cursor: '' };
    const result = toCallFilter(form, context.business.timezone);
    if (!result.ok) return sendErrorPage(reply, 400, 'Check the filters', result.problem, staffChrome(context, 'calls'));
    const counter = { rows: 0 };
    const lines = exportLines(services, context, result.filter, counter);
    const stamp = deps.now().toISOString().slice(0, 10);
    const body = Readable.from(lines);
    body.on('end', () => {
      services.staff.audit
        .record({ businessId: context.business.id, actor: staffActor(context), action: 'calls_exported', detail: `${counter.rows} call(s); ${describeFilters(form)}`, ip: request.ip })
        .catch((err: unknown) => request.log.error({ err }, 'audit of a call export failed'));
    });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="calls-${stamp}.csv"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });
}
