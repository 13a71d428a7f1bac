// The calling window in the business's own time zone: weekdays, a window past
// midnight, the whole day, and the next opening across a daylight-saving change.
import { describe, expect, it } from 'vitest';
import { parseDays, windowState, type CallingWindow } from '../../../src/outbound/calling-window.js';

const WEEKDAYS_NY: CallingWindow = { start: '09:00', end: '18:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], timeZone: 'America/New_York' };

describe('calling window', () => {
  it('is open inside the local hours of a listed day, closed at the end minute', () => {
    // Monday 2026-12-07, 10:00 in New York = 15:00 UTC.
    expect(windowState(new Date('2026-12-07T15:00:00Z'), WEEKDAYS_NY)).toEqual({ open: true });
    // 18:00 local is already closed ([start, end)); it opens the next morning at 09:00 local.
    expect(windowState(new Date('2026-12-07T23:00:00Z'), WEEKDAYS_NY)).toEqual({ open: false, opensAt: new Date('2026-12-08T14:00:00Z') });
  });

  it('skips the weekend: Saturday noon opens on Monday at 09:00 local', () => {
    expect(windowState(new Date('2026-12-12T17:00:00Z'), WEEKDAYS_NY)).toEqual({ open: false, opensAt: new Date('2026-12-14T14:00:00Z') });
  });

  it('runs past midnight: the morning part belongs to the day before', () => {
    const evenings: CallingWindow = { start: '20:00', end: '02:00', days: ['fri'], timeZone: 'Europe/Berlin' };
    // Friday 23:00 and Saturday 01:00 in Berlin (UTC+1 in December) are open; Saturday 21:00 is not.
    expect(windowState(new Date('2026-12-11T22:00:00Z'), evenings).open).toBe(true);
    expect(windowState(new Date('2026-12-12T00:00:00Z'), evenings).open).toBe(true);
    expect(windowState(new Date('2026-12-12T20:00:00Z'), evenings).open).toBe(false);
  });

  it('takes the same start and end as the whole day', () => {
    const allDay: CallingWindow = { start: '00:00', end: '00:00', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], timeZone: 'Asia/Tokyo' };
    for (const at of ['2026-12-07T00:00:00Z', '2026-12-07T14:59:00Z', '2026-12-13T23:59:59Z']) expect(windowState(new Date(at), allDay).open).toBe(true);
  });

  it('finds the next opening across a daylight-saving change by local wall-clock time', () => {
    // US clocks go forward on Sunday 2027-03-14: Monday 09:00 EDT is 13:00 UTC, not 14:00.
    expect(windowState(new Date('2027-03-13T18:00:00Z'), WEEKDAYS_NY)).toEqual({ open: false, opensAt: new Date('2027-03-15T13:00:00Z') });
  });

  it('never opens with no valid hours, and parses day lists strictly', () => {
    expect(windowState(new Date('2026-12-07T15:00:00Z'), { ...WEEKDAYS_NY, start: '9am' })).toEqual({ open: false, opensAt: null });
    expect(parseDays('Mon, tue,mon')).toEqual(['mon', 'tue']);
    expect(parseDays('mon,funday')).toBeNull();
    expect(parseDays('')).toBeNull();
  });
});
