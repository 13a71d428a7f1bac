// The dashboard's figures over a window of days in one time zone: calls per
// day, per hour of the week, by outcome; the agent's voice-to-voice latency
// p50/p95 per day; the most frequent reasons of messages taken. For one
// business, or for every business (the operator's view).
//
// Three queries, each one range scan of an index:
//   calls      call_logs(business_id, created_at DESC) (or (created_at DESC)
//              for every business), grouped in the database by day, weekday,
//              hour and outcome (at most days x 24 x 6 rows come back);
//   latency    the same calls, each reaching its turns through
//              call_turns(call_id, seq);
//   reasons    call_messages(business_id, created_at DESC) (or (created_at DESC)).
// test/src/staff/dashboard-plan.test.ts reads their plans on generated data.
import { Prisma, type PrismaClient } from '../db/index.js';

export const OUTCOMES = ['completed', 'message', 'transferred', 'failed', 'abandoned', 'in_progress'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface DashboardWindow {
  /** Null: every business. */
  businessId: string | null;
  timeZone: string;
  /** YYYY-MM-DD days of the time zone, oldest first; the window is [start of the first, end of the last). */
  days: readonly string[];
  from: Date;
  to: Date;
}

export interface DayFigures {
  day: string;
  calls: number;
  outcomes: Record<Outcome, number>;
}

export interface LatencyDay {
  day: string;
  /** Agent turns with a measured voice-to-voice latency. */
  turns: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface Dashboard {
  window: DashboardWindow;
  totalCalls: number;
  perDay: DayFigures[];
  /** [ISO weekday 1 (Monday) .. 7][hour 0..23] -> calls. */
  perHourOfWeek: number[][];
  outcomes: Record<Outcome, number>;
  latency: LatencyDay[];
  /** The agent turns' p50/p95 over the whole window. */
  latencyOverall: { turns: number; p50Ms: number | null; p95Ms: number | null };
  topReasons: { reason: string; count: number }[];
  messages: number;
}

const TOP_REASONS = 5;

function emptyOutcomes(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
}

/** The calls of the window: of the business, or of every business (routed calls only). */
function callScope(window: DashboardWindow): Prisma.Sql {
  const business = window.businessId === null ? Prisma.sql`c.business_id IS NOT NULL` : Prisma.sql`c.business_id = ${window.businessId}::uuid`;
  return Prisma.sql`${business} AND c.created_at >= ${window.from.toISOString()}::timestamptz AND c.created_at < ${window.to.toISOString()}::timestamptz`;
}

export class DashboardQueries {
  constructor(private readonly prisma: PrismaClient) {}

  async dashboard(window: DashboardWindow): Promise<Dashboard> {
    const [calls, latency, overall, reasons] = await Promise.all([
      this.prisma.$queryRaw<{ day: string; dow: number; hour: number; outcome: Outcome; calls: number }[]>(this.callsSql(window)),
      this.prisma.$queryRaw<{ day: string; turns: number; p50: number | null; p95: number | null }[]>(this.latencySql(window, true)),
      this.prisma.$queryRaw<{ turns: number; p50: number | null; p95: number | null }[]>(this.latencySql(window, false)),
      this.prisma.$queryRaw<{ reason: string; count: number; total: number }[]>(this.reasonsSql(window)),
    ]);
    const perDay = new Map(window.days.map((day) => [day, { day, calls: 0, outcomes: emptyOutcomes() }]));
    const perHourOfWeek = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
    const outcomes = emptyOutcomes();
    let totalCalls = 0;
    for (const row of calls) {
      const day = perDay.get(row.day);
      if (day) {
        day.calls += row.calls;
        day.outcomes[row.outcome] += row.calls;
      }
      perHourOfWeek[row.dow - 1]![row.hour]! += row.calls;
      outcomes[row.outcome] += row.calls;
      totalCalls += row.calls;
    }
    const latencyByDay = new Map(latency.map((row) => [row.day, row]));
    const round = (value: number | null) => (value === null ? null : Math.round(Number(value)));
    return {
      window,
      totalCalls,
      perDay: [...perDay.values()],
      perHourOfWeek,
      outcomes,
      latency: window.days.map((day) => {
        const row = latencyByDay.get(day);
        return { day, turns: row?.turns ?? 0, p50Ms: round(row?.p50 ?? null), p95Ms: round(row?.p95 ?? null) };
      }),
      latencyOverall: { turns: overall[0]?.turns ?? 0, p50Ms: round(overall[0]?.p50 ?? null), p95Ms: round(overall[0]?.p95 ?? null) },
      topReasons: reasons.map((row) => ({ reason: row.reason, count: row.count })),
      messages: reasons[0]?.total ?? 0,
    };
  }

  /** The calls query (exported for the query-plan test). */
  callsSql(window: DashboardWindow): Prisma.Sql {
    return Prisma.sql`
      SELECT to_char(x.local, 'YYYY-MM-DD') AS day, extract(isodow FROM x.local)::int AS dow,
             extract(hour FROM x.local)::int AS hour, x.outcome, count(*)::int AS calls
        FROM (SELECT c.created_at AT TIME ZONE ${window.timeZone} AS local,
                     CASE
                       WHEN c.status IN ('ringing', 'answered') THEN 'in_progress'
                       WHEN c.status = 'transferred' THEN 'transferred'
                       WHEN msg.found THEN 'message'
                       WHEN c.status = 'completed' THEN 'completed'
                       WHEN c.status = 'abandoned' THEN 'abandoned'
                       ELSE 'failed'
                     END AS outcome
                FROM call_logs c
                -- LATERAL ... LIMIT 1 probes call_messages(call_id) per call, where
                -- EXISTS may be planned as a hash of every message of every business.
                LEFT JOIN LATERAL (SELECT true AS found FROM call_messages m WHERE m.call_id = c.id LIMIT 1) msg ON true
               WHERE ${callScope(window)}) x
       GROUP BY 1, 2, 3, 4`;
  }

  latencySql(window: DashboardWindow, perDay: boolean): Prisma.Sql {
    const day = perDay ? Prisma.sql`to_char(c.created_at AT TIME ZONE ${window.timeZone}, 'YYYY-MM-DD') AS day,` : Prisma.empty;
    const group = perDay ? Prisma.sql`GROUP BY 1` : Prisma.empty;
    return Prisma.sql`
      SELECT ${day} count(*)::int AS turns,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY t.voice_to_voice_ms) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY t.voice_to_voice_ms) AS p95
        FROM call_logs c
        -- Each call's turns through call_turns(call_id, seq); OFFSET 0 keeps the
        -- planner from flattening this into a hash join over every business's turns.
       CROSS JOIN LATERAL (SELECT t.voice_to_voice_ms FROM call_turns t
                            WHERE t.call_id = c.id AND t.role = 'agent' AND t.voice_to_voice_ms IS NOT NULL OFFSET 0) t
       WHERE ${callScope(window)}
       ${group}`;
  }

  reasonsSql(window: DashboardWindow): Prisma.Sql {
    const business = window.businessId === null ? Prisma.sql`m.business_id IS NOT NULL` : Prisma.sql`m.business_id = ${window.businessId}::uuid`;
    return Prisma.sql`
      SELECT reason, count(*)::int AS count, sum(count(*)) OVER ()::int AS total
        FROM (SELECT trim(regexp_replace(lower(m.reason), '[^[:alnum:]]+', ' ', 'g')) AS reason
                FROM call_messages m
               WHERE ${business} AND m.created_at >= ${window.from.toISOString()}::timestamptz
                 AND m.created_at < ${window.to.toISOString()}::timestamptz AND m.reason <> '') r
       WHERE reason <> ''
       GROUP BY reason
       ORDER BY count DESC, reason
       LIMIT ${TOP_REASONS}`;
  }
}
