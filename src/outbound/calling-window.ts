// When a business may place outbound calls (pure): a daily window in the
// business's own time zone, on some weekdays. The window is [start, end) in local
// wall-clock time; an end before the start runs past midnight (e.g. 20:00-02:00);
// the same start and end (00:00-00:00) is the whole day.
// Clocks that jump (daylight saving) are handled by asking Intl for the local
// time of each candidate instant, never by adding hours to a local time.

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface CallingWindow {
  /** 'HH:MM' local time. */
  start: string;
  end: string;
  days: readonly Weekday[];
  timeZone: string;
}

export type WindowState = { open: true } | { open: false; opensAt: Date | null };

const MINUTE_MS = 60_000;
/** Searching the next opening minute by minute over a week covers every configuration. */
const SEARCH_MINUTES = 8 * 24 * 60;

export function parseClock(value: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function parseDays(value: string): Weekday[] | null {
  const days = value.split(',').map((day) => day.trim().toLowerCase()).filter((day) => day !== '');
  if (days.length === 0 || !days.every((day): day is Weekday => (WEEKDAYS as readonly string[]).includes(day))) return null;
  return [...new Set(days)];
}

/** The local weekday and minute of the day of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('weekday').toLowerCase().slice(0, 3) as Weekday, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

function isOpenAt(at: Date, window: CallingWindow, start: number, end: number): boolean {
  const { day, minute } = localTime(at, window.timeZone);
  // The same start and end: open all day on the window's days.
  if (start === end) return window.days.includes(day);
  if (start < end) return window.days.includes(day) && minute >= start && minute < end;
  // Past midnight: the evening part counts for its own day, the morning part for the day before.
  if (minute >= start) return window.days.includes(day);
  if (minute < end) return window.days.includes(WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!);
  return false;
}

export function windowState(at: Date, window: CallingWindow): WindowState {
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  if (start === null || end === null) return { open: false, opensAt: null };
  if (isOpenAt(at, window, start, end)) return { open: true };
  const firstMinute = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  for (let step = 0; step < SEARCH_MINUTES; step += 1) {
    const candidate = new Date(firstMinute + step * MINUTE_MS);
    if (isOpenAt(candidate, window, start, end)) return { open: false, opensAt: candidate };
  }
  return { open: false, opensAt: null };
}
