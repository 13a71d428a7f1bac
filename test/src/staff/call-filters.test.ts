// Call filters and cursors of the staff API.
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, likePattern, parseCallFilter } from '../../../src/staff/call-filters.js';

describe('call filters', () => {
  it('defaults to the first 25 calls with no filter', () => {
    expect(parseCallFilter({})).toEqual({
      from: null,
      to: null,
      statuses: [],
      direction: null,
      callerDigits: null,
      text: null,
      limit: 25,
      cursor: null,
    });
  });

  it('reads dates as whole UTC days and instants as given', () => {
    const filter = parseCallFilter({ from: '2026-11-01', to: '2026-11-01' });
    expect(filter.from?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(filter.to?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(parseCallFilter({ from: '2026-11-01T10:00:00+02:00' }).from?.toISOString()).toBe('2026-11-01T08:00:00.000Z');
  });

  it('merges repeated and comma-separated statuses and keeps the digits of the caller', () => {
    const filter = parseCallFilter({ status: ['completed,failed', 'completed'], caller: '+1 (555) 123', q: '  cleaning ' });
    expect(filter.statuses).toEqual(['completed', 'failed']);
    expect(filter.callerDigits).toBe('1555123');
    expect(filter.text).toBe('cleaning');
  });

  it('round-trips cursors and refuses forged ones', () => {
    const cursor = { createdAt: new Date('2026-11-01T10:00:00.123Z'), id: '0b3c6c5e-8f0e-4c47-9a77-3f5b3a1d2e10' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const forged of ['', 'x', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["yesterday","0b3c6c5e-8f0e-4c47-9a77-3f5b3a1d2e10"]').toString('base64url')]) {
      expect(() => decodeCursor(forged)).toThrow(/cursor is not a cursor this API returned/);
    }
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePattern('100%_off\\')).toBe('%100\\%\\_off\\\\%');
  });
});
