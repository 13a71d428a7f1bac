// The dashboard's queries at scale: on generated data (100,000 calls over a
// year in 40 businesses, an agent and a caller turn each, a message on one call in ten),
// PostgreSQL's plans for one business and for every business read the calls,
// turns and messages through indexes, never by scanning a whole table. Timing
// is measured by `npm run bench -- --only dashboard`, not asserted here.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/index.js';
import type { Prisma } from '../../../src/db/index.js';
import { DashboardQueries } from '../../../src/staff/dashboard-queries.js';
import { dashboardWindow } from '../../../src/console/dashboard-window.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const CALLS = 100_000;
const BUSINESSES = 40;
const NOW = new Date('2026-11-20T15:00:00Z');
const BIG_TABLES = new Set(['call_logs', 'call_turns', 'call_messages']);

let database: TestDatabase;
let client: pg.Client;
let db: Db;
let businessId: string;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function planOf(query: Prisma.Sql): Promise<PlanNode[]> {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${query.text}`, query.values);
  return nodes(rows[0]!['QUERY PLAN'][0].Plan);
}

function seqScansOfBigTables(plan: PlanNode[]): string[] {
  return plan.filter((node) => node['Node Type'] === 'Seq Scan' && BIG_TABLES.has(node['Relation Name'] ?? '')).map((node) => node['Relation Name']!);
}

function indexesUsed(plan: PlanNode[]): string[] {
  return [...new Set(plan.map((node) => node['Index Name']).filter((name): name is string => name !== undefined))].sort();
}

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`
    INSERT INTO businesses (id, name, timezone, greeting, system_prompt, voice)
    SELECT gen_random_uuid(), 'Business ' || n, 'America/New_York', 'Hello', 'Prompt', 'voice' FROM generate_series(1, ${BUSINESSES}) AS n`);
  await client.query(`
    INSERT INTO call_logs (id, business_id, channel_id, from_number, to_number, status, created_at, answered_at, ended_at, duration_ms)
    SELECT gen_random_uuid(), b.ids[1 + (n % ${BUSINESSES})], 'gen-' || n, '+1555' || lpad((n % 10000000)::text, 7, '0'), '+19863334949',
           (ARRAY['completed','completed','completed','transferred','failed','abandoned'])[1 + (n % 6)]::call_status,
           $1::timestamptz - (n * (365 * 86400.0 / ${CALLS})) * interval '1 second', NULL, NULL, 60000
      FROM generate_series(1, ${CALLS}) AS n, (SELECT array_agg(id ORDER BY name) AS ids FROM businesses) b`, [NOW.toISOString()]);
  await client.query(`
    INSERT INTO call_turns (id, call_id, seq, role, text, started_at, voice_to_voice_ms)
    SELECT gen_random_uuid(), c.id, s.seq, (CASE WHEN s.seq % 2 = 0 THEN 'agent' ELSE 'caller' END)::turn_role, 'text', c.created_at,
           CASE WHEN s.seq % 2 = 0 THEN 500 + (random() * 1000)::int END
      FROM call_logs c, generate_series(0, 1) AS s(seq)`);
  await client.query(`
    INSERT INTO call_messages (id, call_id, business_id, caller_name, callback_number, reason, created_at)
    SELECT gen_random_uuid(), c.id, c.business_id, 'Caller', c.from_number, (ARRAY['Book a cleaning','Billing question','Cancel'])[1 + (abs(hashtext(c.id::text)) % 3)], c.created_at
      FROM call_logs c WHERE abs(hashtext(c.channel_id)) % 10 = 0`);
  await client.query('ANALYZE');
  businessId = (await client.query<{ id: string }>(`SELECT id FROM businesses ORDER BY name LIMIT 1`)).rows[0]!.id;
  db = createDb(database.url);
}, 180_000);

afterAll(async () => {
  await db?.close();
  await client?.end();
  await database?.drop();
});

describe('dashboard queries on 100,000 calls', () => {
  const queries = (scope: 'business' | 'platform') => {
    const window = dashboardWindow(scope === 'business' ? businessId : null, 'America/New_York', NOW);
    const queries = new DashboardQueries(db.prisma);
    return {
      calls: queries.callsSql(window),
      latency: queries.latencySql(window, true),
      reasons: queries.reasonsSql(window),
    };
  };

  it.each(['business', 'platform'] as const)('read through indexes for the %s', async (scope) => {
    const { calls, latency, reasons } = queries(scope);
    const callsPlan = await planOf(calls);
    const latencyPlan = await planOf(latency);
    const reasonsPlan = await planOf(reasons);
    expect(seqScansOfBigTables(callsPlan)).toEqual([]);
    expect(seqScansOfBigTables(latencyPlan)).toEqual([]);
    expect(seqScansOfBigTables(reasonsPlan)).toEqual([]);
    // Either index of call_logs serves a business's window (the planner weighs
    // the heap order); every business's window needs the one on created_at.
    const callIndexes = scope === 'business' ? ['call_logs_business_id_created_at_idx', 'call_logs_created_at_idx'] : ['call_logs_created_at_idx'];
    const usesCallIndex = (plan: PlanNode[]) => indexesUsed(plan).some((name) => callIndexes.includes(name));
    expect(usesCallIndex(callsPlan)).toBe(true);
    expect(usesCallIndex(latencyPlan)).toBe(true);
    expect(indexesUsed(callsPlan)).toContain('call_messages_call_id_idx');
    expect(indexesUsed(latencyPlan)).toContain('call_turns_call_id_seq_key');
    const messageIndexes = scope === 'business' ? ['call_messages_business_id_created_at_idx', 'call_messages_created_at_idx'] : ['call_messages_created_at_idx'];
    expect(indexesUsed(reasonsPlan).some((name) => messageIndexes.includes(name))).toBe(true);
  });

  it('answers figures that add up over the window', async () => {
    const window = dashboardWindow(businessId, 'America/New_York', NOW);
    const dashboard = await new DashboardQueries(db.prisma).dashboard(window);
    const { rows } = await client.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM call_logs WHERE business_id = $1 AND created_at >= $2 AND created_at < $3`,
      [businessId, window.from.toISOString(), window.to.toISOString()],
    );
    expect(dashboard.totalCalls).toBe(rows[0]!.count);
    expect(dashboard.totalCalls).toBeGreaterThan(100);
    expect(dashboard.perDay.reduce((sum, day) => sum + day.calls, 0)).toBe(dashboard.totalCalls);
    expect(dashboard.perHourOfWeek.flat().reduce((sum, n) => sum + n, 0)).toBe(dashboard.totalCalls);
    expect(Object.values(dashboard.outcomes).reduce((sum, n) => sum + n, 0)).toBe(dashboard.totalCalls);
    expect(dashboard.outcomes.message).toBeGreaterThan(0);
    expect(dashboard.latencyOverall.p50Ms).toBeGreaterThanOrEqual(500);
    expect(dashboard.latencyOverall.p95Ms).toBeGreaterThan(dashboard.latencyOverall.p50Ms!);
    expect(dashboard.topReasons.map((reason) => reason.reason).sort()).toEqual(['billing question', 'book a cleaning', 'cancel']);
  });
});
