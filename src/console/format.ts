// How the console shows times and durations: wall-clock times in the
// business's time zone (the staff's day, not the server's), durations as m:ss.
// Pure functions: the time zone and "now" are arguments.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The zone itself when Intl knows it, else UTC (a row written before the zone was validated). */
export function knownTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  weekday: string;
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
  second: string;
}

function wallClock(at: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    wallClockFormatter(knownTimeZone(timeZone))
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  ) as Partial<WallClock>;
  return {
    weekday: parts.weekday ?? '',
    day: parts.day ?? '',
    // Three letters everywhere: en-GB writes September "Sept" in some ICU versions.
    month: (parts.month ?? '').slice(0, 3),
    year: parts.year ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
    second: parts.second ?? '',
  };
}

/** "Tue 3 Mar, 10:04"; the year is added when it is not the current one ("Tue 3 Mar 2025, 10:04"). */
export function formatCallTime(at: Date, timeZone: string, now: Date): string {
  const clock = wallClock(at, timeZone);
  const year = clock.year === wallClock(now, timeZone).year ? '' : ` ${clock.year}`;
  return `${clock.weekday} ${clock.day} ${clock.month}${year}, ${clock.hour}:${clock.minute}`;
}

/** "Tue 3 Mar 2026, 10:04:05". */
export function formatFullTime(at: Date, timeZone: string): string {
  const clock = wallClock(at, timeZone);
  return `${clock.weekday} ${clock.day} ${clock.month} ${clock.year}, ${clock.hour}:${clock.minute}:${clock.second}`;
}

/** "0:07", "12:34", "1:02:03"; "—" when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Whether `text` is a real calendar day written YYYY-MM-DD. */
export function isCalendarDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The day after a YYYY-MM-DD day. */
export function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** How far `timeZone`'s wall clock is ahead of UTC at the instant `epochMs` (whole seconds). */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const clock = wallClock(new Date(epochMs), timeZone);
  const month = MONTHS.indexOf(clock.month);
  const asUtc = Date.UTC(Number(clock.year), month, Number(clock.day), Number(clock.hour), Number(clock.minute), Number(clock.second));
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

function dayOf(epochMs: number, timeZone: string): string {
  const clock = wallClock(new Date(epochMs), timeZone);
  return `${clock.year}-${String(MONTHS.indexOf(clock.month) + 1).padStart(2, '0')}-${clock.day.padStart(2, '0')}`;
}

/**
 * The first instant of a YYYY-MM-DD day in `timeZone`. Midnight minus the
 * zone's offset, with the offset taken at two instants because it may change
 * in between (daylight saving): of the two candidates, the earliest that falls
 * on the day. Where a change skips midnight, that is the instant of the change.
 */
export function zonedDayStart(day: string, timeZone: string): Date {
  const zone = knownTimeZone(timeZone);
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const wallMidnight = Date.UTC(year, month - 1, date);
  const first = wallMidnight - zoneOffsetMs(wallMidnight, zone);
  const second = wallMidnight - zoneOffsetMs(first, zone);
  const onTheDay = [first, second].filter((candidate) => dayOf(candidate, zone) === day);
  return new Date(onTheDay.length > 0 ? Math.min(...onTheDay) : first);
}

/** The YYYY-MM-DD day `at` falls on in `timeZone`. */
export function dayInZone(at: Date, timeZone: string): string {
  return dayOf(at.getTime(), knownTimeZone(timeZone));
}

/** The day `count` days after a YYYY-MM-DD day (negative: before). */
export function addDays(day: string, count: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + count)).toISOString().slice(0, 10);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Tue 3 Mar" for a YYYY-MM-DD day (a calendar day: no time zone involved). */
export function formatDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(year, month - 1, date));
  return `${WEEKDAYS[at.getUTCDay()]} ${date} ${MONTHS[month - 1]}`;
}

/** "1.2 s" / "850 ms" for a latency; "—" when unknown. */
export function formatLatency(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
