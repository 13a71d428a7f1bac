// The sign-in throttle over PostgreSQL, as two replicas use it: two throttles,
// each with its own database client and the same fake clock, on one real
// database. A failure counted through one counts on the other; slots taken at
// once through both are consecutive, never shared; times survive the round
// trip to the millisecond; each failure sweeps rows older than every window.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/index.js';
import { LoginThrottle, type LoginThrottleRules, type SignInAttempt } from '../../../src/staff/login-throttle.js';
import { PostgresLoginFailureStore } from '../../../src/staff/postgres-login-failure-store.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const RULES: LoginThrottleRules = {
  pair: { maxFailures: 3, windowMs: 60_000 },
  account: { freeFailures: 3, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 8_000 },
  address: { freeFailures: 5, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 8_000 },
  device: { maxFailures: 2, windowMs: 60_000 },
  maxHoldMs: 5_000,
};
/** An epoch time with milliseconds, so that a lost millisecond would show. */
const START_MS = Date.UTC(2026, 11, 7, 9, 30, 0, 123);

let database: TestDatabase;
let dbA: Db;
let dbB: Db;
let now = START_MS;
let replicaA: LoginThrottle;
let replicaB: LoginThrottle;

beforeAll(async () => {
  database = await createTestDatabase();
  dbA = createDb(database.url);
  dbB = createDb(database.url);
  replicaA = new LoginThrottle(new PostgresLoginFailureStore(dbA.prisma), () => now, RULES);
  replicaB = new LoginThrottle(new PostgresLoginFailureStore(dbB.prisma), () => now, RULES);
}, 60_000);

afterAll(async () => {
  await dbA?.close();
  await dbB?.close();
  await database?.drop();
});

beforeEach(async () => {
  now = START_MS;
  await dbA.pool.query('DELETE FROM login_failures');
  await dbA.pool.query('DELETE FROM login_slots');
});

function attempt(ip: string, email = 'a@x.example', deviceId: string | null = null): SignInAttempt {
  return { email, ip, deviceId };
}

describe('the throttle over PostgreSQL, shared by two replicas', () => {
  it('refuses the pair on B after its failures on A, until the oldest leaves the window (to the millisecond)', async () => {
    for (let i = 0; i < 3; i += 1) {
      now = START_MS + i * 1_000;
      await replicaA.recordFailure(attempt('1.1.1.1'));
    }
    now = START_MS + 10_000;
    expect(await replicaB.admit(attempt('1.1.1.1'))).toEqual({ kind: 'refuse', retryAfterMs: 50_000 });
    // Elsewhere the account's next slot (1 s after its last failure, at +2 s) has passed: at once.
    expect(await replicaB.admit(attempt('2.2.2.2'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: false });
    now = START_MS + 60_000;
    expect((await replicaB.admit(attempt('1.1.1.1'))).kind).toBe('proceed');
  });

  it('spaces attempts taken at once through both replicas into consecutive slots', async () => {
    for (let i = 0; i < 3; i += 1) await replicaA.recordFailure(attempt(`10.0.0.${i}`));
    const decisions = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? replicaA : replicaB).admit(attempt(`10.0.1.${i}`))),
    );
    const waits = decisions.map((decision) => (decision.kind === 'proceed' ? decision.waitMs : -decision.retryAfterMs));
    // Five slots within the 5 s hold, one a second apart; whichever comes last is refused.
    expect(waits.filter((wait) => wait > 0).sort((a, b) => a - b)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(waits.filter((wait) => wait < 0)).toHaveLength(1);
    expect(waits.find((wait) => wait < 0)! <= -6_000).toBe(true);
  });

  it('applies the account slow-down and its hold limit on B after failures from many addresses on A', async () => {
    for (let i = 0; i < 6; i += 1) await replicaA.recordFailure(attempt(`10.0.0.${i}`));
    expect(await replicaB.admit(attempt('10.0.1.1'))).toEqual({ kind: 'refuse', retryAfterMs: 8_000 });
    // A browser that signed in before is let through at once, on either replica.
    expect(await replicaB.admit(attempt('10.0.1.1', 'a@x.example', 'device-1'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: true });
    await replicaA.recordFailure(attempt('10.0.1.2', 'a@x.example', 'device-1'));
    await replicaB.recordFailure(attempt('10.0.1.3', 'a@x.example', 'device-1'));
    expect(await replicaA.admit(attempt('10.0.1.4', 'a@x.example', 'device-1'))).toMatchObject({ kind: 'refuse' });
  });

  it('clears the pair on success through either replica, not the account', async () => {
    for (let i = 0; i < 3; i += 1) await replicaA.recordFailure(attempt('1.1.1.1'));
    await replicaB.recordSuccess(attempt('1.1.1.1'));
    expect(await replicaA.admit(attempt('1.1.1.1'))).toEqual({ kind: 'proceed', waitMs: 1_000, trustedDevice: false });
  });

  it('deletes failures and slots older than every window as new failures come in', async () => {
    for (let i = 0; i < 4; i += 1) await replicaA.recordFailure(attempt(`10.0.0.${i}`));
    // 4 failures: the slot is 2 s after the last, and the one after it 2 s later.
    expect(await replicaA.admit(attempt('10.0.1.1'))).toMatchObject({ kind: 'proceed', waitMs: 2_000 });
    const counts = async () => {
      const failures = await dbA.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM login_failures');
      const slots = await dbA.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM login_slots');
      return { failures: failures.rows[0]!.n, slots: slots.rows[0]!.n };
    };
    // 4 failures x (pair, account, address); the account's slot.
    expect(await counts()).toEqual({ failures: 12, slots: 1 });
    // The slot reserved up to +4 s: both it and the failures at +0 are older than the 60 s windows.
    now = START_MS + 64_000;
    await replicaB.recordFailure(attempt('10.0.2.1', 'b@x.example'));
    expect(await counts()).toEqual({ failures: 3, slots: 0 });
  });
});
