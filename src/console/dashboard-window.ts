// The dashboard's window: the last N days of a time zone, today included,
// from the first instant of the first day to the first instant after the last.
import { addDays, dayInZone, knownTimeZone, nextDay, zonedDayStart } from './format.js';
import type { DashboardWindow } from '../staff/dashboard-queries.js';

export const DASHBOARD_DAYS = 30;

export function dashboardWindow(businessId: string | null, timeZone: string, now: Date, dayCount = DASHBOARD_DAYS): DashboardWindow {
  const zone = knownTimeZone(timeZone);
  const today = dayInZone(now, zone);
  const days = Array.from({ length: dayCount }, (_, index) => addDays(today, index - dayCount + 1));
  return {
    businessId,
    timeZone: zone,
    days,
    from: zonedDayStart(days[0]!, zone),
    to: zonedDayStart(nextDay(today), zone),
  };
}
