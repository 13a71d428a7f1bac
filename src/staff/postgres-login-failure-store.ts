// The sign-in throttle's failures in PostgreSQL (login-failure-store.ts), shared
// by every backend replica: tables login_failures (one row per failure and key)
// and login_slots (the next free slot of a slowed-down key).
//
// Times go in and out as epoch milliseconds of the throttle's clock (never the
// server's now()), converted with to_timestamp / extract(epoch): the columns
// keep milliseconds, so a time read back equals the one written.
// Each failure sweeps a bounded batch of rows older than the longest window
// (more than it adds), so the tables hold about one window of failures
// without a separate job; SKIP LOCKED keeps replicas sweeping at the same time
// from waiting on each other.
import { Prisma, type PrismaClient } from '../db/index.js';
import type { FailureQuery, FailureSummary, LoginFailureStore, SlotRequest } from './login-failure-store.js';

/** Expired rows deleted per recorded failure: more than the 4 rows a failure adds. */
const SWEEP_BATCH = 100;

export class PostgresLoginFailureStore implements LoginFailureStore {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async summarize(queries: readonly FailureQuery[]): Promise<FailureSummary[]> {
    if (queries.length === 0) return [];
    // One statement for all keys; each subquery is a range scan of (key, failed_at), bounded by LIMIT.
    const rows = await this.prisma.$queryRaw<{ count: number; nth_newest_ms: number | null; reserved_ms: number | null }[]>(Prisma.sql`
      SELECT
        (SELECT count(*)::int FROM (
           SELECT 1 FROM login_failures f
           WHERE f.key = q.key AND f.failed_at > to_timestamp(q.since_ms / 1000.0)
           ORDER BY f.failed_at DESC LIMIT q.count_cap) AS counted) AS count,
        (SELECT round(extract(epoch FROM f.failed_at) * 1000)::float8 FROM login_failures f
           WHERE f.key = q.key AND f.failed_at > to_timestamp(q.since_ms / 1000.0)
           ORDER BY f.failed_at DESC OFFSET q.nth - 1 LIMIT 1) AS nth_newest_ms,
        (SELECT round(extract(epoch FROM s.next_at) * 1000)::float8 FROM login_slots s WHERE s.key = q.key) AS reserved_ms
      FROM unnest(
        ${queries.map((q) => q.key)}::text[],
        ${queries.map((q) => q.sinceMs)}::float8[],
        ${queries.map((q) => q.countCap)}::int[],
        ${queries.map((q) => q.nth)}::int[]
      ) WITH ORDINALITY AS q(key, since_ms, count_cap, nth, position)
      ORDER BY q.position`);
    return rows.map((row) => ({ count: row.count, nthNewestMs: row.nth_newest_ms, reservedMs: row.reserved_ms }));
  }

  async takeSlot(request: SlotRequest): Promise<number> {
    // The conflicting row is locked and re-read by ON CONFLICT DO UPDATE, so replicas taking the
    // same key's slot at once get consecutive slots.
    const rows = await this.prisma.$queryRaw<{ next_ms: number }[]>(Prisma.sql`
      INSERT INTO login_slots (key, next_at)
      VALUES (${request.key}, to_timestamp(${request.earliestMs + request.delayMs}::float8 / 1000.0))
      ON CONFLICT (key) DO UPDATE SET next_at =
        GREATEST(login_slots.next_at, to_timestamp(${request.earliestMs}::float8 / 1000.0))
        + make_interval(secs => ${request.delayMs}::float8 / 1000.0)
      RETURNING round(extract(epoch FROM next_at) * 1000)::float8 AS next_ms`);
    return rows[0]!.next_ms - request.delayMs;
  }

  async record(keys: readonly string[], atMs: number, forgetBeforeMs: number): Promise<void> {
    await this.prisma.$executeRaw(Prisma.sql`
      WITH added AS (
        INSERT INTO login_failures (id, key, failed_at)
        SELECT gen_random_uuid(), k, to_timestamp(${atMs}::float8 / 1000.0) FROM unnest(${[...keys]}::text[]) AS k
      ), expired_failures AS (
        DELETE FROM login_failures WHERE id IN (
          SELECT id FROM login_failures WHERE failed_at <= to_timestamp(${forgetBeforeMs}::float8 / 1000.0)
          ORDER BY failed_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
      ), expired_slots AS (
        DELETE FROM login_slots WHERE key IN (
          SELECT key FROM login_slots WHERE next_at <= to_timestamp(${forgetBeforeMs}::float8 / 1000.0)
          ORDER BY next_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
      )
      SELECT 1`);
  }

  async clear(key: string): Promise<void> {
    await this.prisma.$executeRaw(Prisma.sql`DELETE FROM login_failures WHERE key = ${key}`);
  }
}
