// GET /api/calls query parameters: validated filters and the opaque cursor.
//
//   from, to   ISO 8601 instants with Z or an offset (from inclusive, to exclusive),
//              or dates YYYY-MM-DD (UTC days, both inclusive), between
//              1970-01-01 and 9999-12-31 (anything else is a 400, never a
//              value the database cannot take)
//   status     one or more call statuses (repeated or comma-separated)
//   direction  inbound | outbound
//   caller     digits of the caller's number (other characters ignored), substring match
//   q          text in the transcript (case-insensitive substring)
//   limit      1..100, default 25
//   cursor     nextCursor of the previous page
import { z } from 'zod';
import { CallStatus } from '../db/index.js';
import { ApiError } from '../http/errors.js';

export type CallStatusName = CallStatus;
const CALL_STATUSES: readonly string[] = Object.values(CallStatus);

export interface CallCursor {
  createdAt: Date;
  id: string;
}

export interface CallFilter {
  from: Date | null;
  to: Date | null;
  statuses: CallStatusName[];
  direction: 'inbound' | 'outbound' | null;
  callerDigits: string | null;
  text: string | null;
  limit: number;
  cursor: CallCursor | null;
}

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
const MAX_QUERY_LENGTH = 200;
const DAY_MS = 86_400_000;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO 8601 date (2026-11-21) or date-time with Z or an offset (2026-11-21T09:00:00Z)',
});
const single = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value): unknown => (Array.isArray(value) ? value.at(-1) : value), schema);

const QuerySchema = z
  .object({
    from: single(instant).optional(),
    to: single(instant).optional(),
    status: z
      .union([z.string(), z.array(z.string())])
      .transform((value) =>
        (Array.isArray(value) ? value : [value])
          .flatMap((item) => item.split(','))
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(CallStatus, { error: `must be one of ${CALL_STATUSES.join(', ')}` })))
      .optional(),
    direction: single(z.enum(['inbound', 'outbound'], { error: 'must be inbound or outbound' })).optional(),
    caller: single(
      z
        .string()
        .transform((value) => value.replace(/\D/g, ''))
        .pipe(z.string().min(1, 'must contain digits').max(20, 'must be at most 20 digits')),
    ).optional(),
    q: single(
      z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`),
    ).optional(),
    limit: single(
      z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(MAX_PAGE_SIZE),
    ).optional(),
    cursor: single(z.string().min(1)).optional(),
  })
  .strict();

function startOf(value: string): Date {
  return new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value);
}

/** A date `to` includes its whole day: the bound is the next day's start. */
function endOf(value: string): Date {
  return DATE_ONLY.test(value) ? new Date(startOf(value).getTime() + DAY_MS) : new Date(value);
}

/** The range of instants a filter may name (PostgreSQL reads neither year 0 nor year 10000 in ISO form). */
export const EARLIEST_INSTANT = new Date('1970-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');
const RANGE_TEXT = 'must be between 1970-01-01 and 9999-12-31';

function inRange(field: 'from' | 'to', at: Date): Date {
  if (Number.isNaN(at.getTime()) || at < EARLIEST_INSTANT || at > new Date(LATEST_INSTANT.getTime() + 1)) {
    throw new ApiError('bad_request', `invalid query: ${field}: ${RANGE_TEXT}`);
  }
  // The end of 9999-12-31 is the last instant we store, not year 10000.
  return at > LATEST_INSTANT ? LATEST_INSTANT : at;
}

export function parseCallFilter(query: unknown): CallFilter {
  const parsed = QuerySchema.safeParse(query ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown parameter(s) ${issue.keys.join(', ')}`
        : `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ApiError('bad_request', `invalid query: ${problems.join('; ')}`);
  }
  const q = parsed.data;
  const from = q.from === undefined ? null : inRange('from', startOf(q.from));
  const to = q.to === undefined ? null : inRange('to', endOf(q.to));
  if (from && to && from.getTime() >= to.getTime()) throw new ApiError('bad_request', 'invalid query: from must be before to');
  return {
    from,
    to,
    statuses: [...new Set(q.status ?? [])],
    direction: q.direction ?? null,
    callerDigits: q.caller ?? null,
    text: q.q ?? null,
    limit: q.limit ?? DEFAULT_PAGE_SIZE,
    cursor: q.cursor === undefined ? null : decodeCursor(q.cursor),
  };
}

const CursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

/** Opaque to clients: base64url of [created_at, id] of the page's last call. */
export function encodeCursor(cursor: CallCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): CallCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const parsed = CursorSchema.safeParse(value);
  if (!parsed.success) throw new ApiError('bad_request', 'invalid query: cursor is not a cursor this API returned');
  return { createdAt: new Date(parsed.data[0]), id: parsed.data[1] };
}

/** `text` for ILIKE: backslash, % and _ match themselves (ESCAPE '\'). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
