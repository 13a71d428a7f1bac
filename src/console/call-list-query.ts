// The call list page's query string: what the staff typed in the filter form,
// read as days of the business's time zone, turned into the staff API's call
// filter. Values are kept as typed to show them again in the form.
import { parseCallFilter, type CallFilter } from '../staff/call-filters.js';
import { ApiError } from '../http/errors.js';
import { isCalendarDay, nextDay, zonedDayStart } from './format.js';

export interface ListForm {
  /** YYYY-MM-DD, a day of the business's time zone, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
  status: string;
  direction: string;
  caller: string;
  q: string;
  cursor: string;
}

/** Days a filter may name, in the business's time zone (the first a day after the stored range's start). */
const FIRST_DAY = '1970-01-02';
const LAST_DAY = '9999-12-31';

const FIELDS = ['from', 'to', 'status', 'direction', 'caller', 'q', 'cursor'] as const;
const MAX_FIELD_LENGTH = 400;

/** The known parameters (the last value when repeated); anything else is ignored. */
export function readListForm(query: unknown): ListForm {
  const source = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const form = {} as Record<(typeof FIELDS)[number], string>;
  for (const field of FIELDS) {
    const raw = source[field];
    const value: unknown = Array.isArray(raw) ? raw.at(-1) : raw;
    form[field] = typeof value === 'string' ? value.trim().slice(0, MAX_FIELD_LENGTH) : '';
  }
  return form;
}

export function hasFilters(form: ListForm): boolean {
  return FIELDS.some((field) => field !== 'cursor' && form[field] !== '');
}

export type FilterResult = { ok: true; filter: CallFilter } | { ok: false; problem: string };

export function toCallFilter(form: ListForm, timeZone: string): FilterResult {
  for (const [field, label] of [['from', 'From'], ['to', 'To']] as const) {
    if (form[field] !== '' && !isCalendarDay(form[field])) {
      return { ok: false, problem: `${label} must be a date such as 2026-03-03.` };
    }
    if (form[field] !== '' && (form[field] < FIRST_DAY || form[field] > LAST_DAY)) {
      return { ok: false, problem: `${label} must be between ${FIRST_DAY} and ${LAST_DAY}.` };
    }
  }
  if (form.from !== '' && form.to !== '' && form.from > form.to) {
    return { ok: false, problem: 'From must be on or before To.' };
  }
  if (form.caller !== '' && !/\d/.test(form.caller)) {
    return { ok: false, problem: 'Caller number must contain digits.' };
  }
  const query: Record<string, string> = {};
  if (form.from !== '') query.from = zonedDayStart(form.from, timeZone).toISOString();
  // The last day has no next day to start; its end is the end of the stored range.
  if (form.to !== '') query.to = form.to === LAST_DAY ? LAST_DAY : zonedDayStart(nextDay(form.to), timeZone).toISOString();
  for (const field of ['status', 'direction', 'caller', 'q', 'cursor'] as const) {
    if (form[field] !== '') query[field] = form[field];
  }
  try {
    return { ok: true, filter: parseCallFilter(query) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { ok: false, problem: `Check the filters (${error.message.replace(/^invalid query: /, '')}).` };
  }
}

/** The list page's address for these filters, at `cursor` (null: the newest calls). */
export function listHref(form: ListForm, cursor: string | null): string {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    if (field !== 'cursor' && form[field] !== '') params.set(field, form[field]);
  }
  if (cursor !== null) params.set('cursor', cursor);
  const query = params.toString();
  return query === '' ? '/calls' : `/calls?${query}`;
}
