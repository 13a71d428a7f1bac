import { describe, expect, it } from 'vitest';
import { hasFilters, listHref, readListForm, toCallFilter } from '../../../src/console/call-list-query.js';

describe('the call list filters', () => {
  it('reads days of the business’s zone into the API’s instants (to inclusive)', () => {
    const form = readListForm({ from: '2026-03-03', to: '2026-03-08', status: 'failed', caller: '+1 (555)', q: ' refill ', extra: 'x' });
    const result = toCallFilter(form, 'America/New_York');
    expect(result).toMatchObject({
      ok: true,
      filter: {
        from: new Date('2026-03-03T05:00:00.000Z'),
        to: new Date('2026-03-09T04:00:00.000Z'),
        statuses: ['failed'],
        callerDigits: '1555',
        text: 'refill',
        cursor: null,
      },
    });
  });

  it('explains filters it cannot use', () => {
    const problem = (query: Record<string, string>) => {
      const result = toCallFilter(readListForm(query), 'UTC');
      return result.ok ? null : result.problem;
    };
    expect(problem({ from: '03/03/2026' })).toBe('From must be a date such as 2026-03-03.');
    expect(problem({ from: '2026-03-04', to: '2026-03-03' })).toBe('From must be on or before To.');
    expect(problem({ caller: 'abc' })).toBe('Caller number must contain digits.');
    expect(problem({ status: 'exploded' })).toMatch(/^Check the filters \(status/);
    expect(problem({ cursor: 'garbage' })).toMatch(/^Check the filters \(cursor/);
    expect(problem({ from: '', status: '' })).toBeNull();
  });

  it('links to the same filters, with or without a cursor', () => {
    const form = readListForm({ status: 'completed', q: 'a&b', cursor: 'old' });
    expect(hasFilters(form)).toBe(true);
    expect(hasFilters(readListForm({ cursor: 'x' }))).toBe(false);
    expect(listHref(form, null)).toBe('/calls?status=completed&q=a%26b');
    expect(listHref(form, 'next')).toBe('/calls?status=completed&q=a%26b&cursor=next');
    expect(listHref(readListForm({}), null)).toBe('/calls');
  });
});
