// Times in a business's time zone (and across daylight-saving changes) and durations.
import { describe, expect, it } from 'vitest';
import { formatCallTime, formatDuration, formatFullTime, isCalendarDay, knownTimeZone, nextDay, zonedDayStart } from '../../../src/console/format.js';

describe('times and durations', () => {
  const now = new Date('2026-06-01T12:00:00Z');

  it('shows a call time on the business’s wall clock, with the year only when it is not this year', () => {
    expect(formatCallTime(new Date('2026-03-03T15:04:00Z'), 'America/New_York', now)).toBe('Tue 3 Mar, 10:04');
    expect(formatCallTime(new Date('2026-03-03T15:04:00Z'), 'Europe/Paris', now)).toBe('Tue 3 Mar, 16:04');
    expect(formatCallTime(new Date('2025-12-31T23:30:00Z'), 'Asia/Tokyo', now)).toBe('Thu 1 Jan, 08:30');
    expect(formatCallTime(new Date('2025-03-03T15:04:00Z'), 'America/New_York', now)).toBe('Mon 3 Mar 2025, 10:04');
    expect(formatFullTime(new Date('2026-09-03T15:04:05Z'), 'Europe/Paris')).toBe('Thu 3 Sep 2026, 17:04:05');
  });

  it('falls back to UTC for a zone Intl does not know', () => {
    expect(knownTimeZone('Mars/Olympus_Mons')).toBe('UTC');
    expect(formatCallTime(new Date('2026-03-03T15:04:00Z'), 'Mars/Olympus_Mons', now)).toBe('Tue 3 Mar, 15:04');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_999)).toBe('0:07');
    expect(formatDuration(754_000)).toBe('12:34');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('—');
  });

  it('finds where a day starts in a zone, across daylight-saving changes', () => {
    const start = (day: string, zone: string) => zonedDayStart(day, zone).toISOString();
    expect(start('2026-03-03', 'America/New_York')).toBe('2026-03-03T05:00:00.000Z');
    // Clocks go forward at 02:00 on 8 March: that day starts on EST, the next on EDT.
    expect(start('2026-03-08', 'America/New_York')).toBe('2026-03-08T05:00:00.000Z');
    expect(start('2026-03-09', 'America/New_York')).toBe('2026-03-09T04:00:00.000Z');
    expect(start('2026-11-02', 'America/New_York')).toBe('2026-11-02T05:00:00.000Z');
    expect(start('2026-03-03', 'Asia/Kolkata')).toBe('2026-03-02T18:30:00.000Z');
    // Chile skips midnight on 6 September 2026 (00:00 -> 01:00): the day starts at the change.
    expect(start('2026-09-06', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('knows real calendar days', () => {
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-3-3')).toBe(false);
    expect(isCalendarDay('2026-03-03T00:00')).toBe(false);
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
  });
});
