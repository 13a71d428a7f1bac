// Two backend replicas in this process on one database, as behind a load
// balancer that spreads sign-ins over them: the sign-in throttle counts the
// failures once for all, so guesses spread over replicas are limited as if
// they all reached one. Real HTTP, real PostgreSQL; TRUST_PROXY=1 (the test is
// the proxy that appends each client's address).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../../src/backend.js';
import { loadConfig } from '../../../src/config.js';
import { createDb, type Db } from '../../../src/db/index.js';
import { FakeAsterisk } from '../../fakes/ari/index.js';
import { CleanupStack } from '../../kit/cleanup-stack.js';
import { freePort } from '../../kit/ports.js';
import { createTestDatabase } from '../../support/db.js';
import { captureLogs } from '../../support/log-capture.js';
import { createStaffAccount, StaffClient, type StaffAccount } from '../../support/staff-api.js';
import { ARI_PASSWORD, backendEnv, createBusiness, startGateway } from '../../support/test-system.js';

const cleanup = new CleanupStack();
let db: Db;
let replicaA: Backend;
let replicaB: Backend;
let businessId: string;
let addressCounter = 0;

/** A client of one replica from an address of its own. */
function clientOf(replica: Backend): { staff: StaffClient; headers: Record<string, string> } {
  addressCounter += 1;
  return { staff: new StaffClient(replica.url), headers: { 'x-forwarded-for': `198.51.100.${addressCounter}` } };
}

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanup.add('the test database', () => database.drop());
  db = createDb(database.url);
  cleanup.add('the database client', () => db.close());
  const fake = await FakeAsterisk.start({ password: ARI_PASSWORD });
  cleanup.add('the simulated Asterisk', () => fake.close());
  const logs = captureLogs();
  const gateway = await startGateway(logs.logger);
  cleanup.add('the media gateway', () => gateway.close());
  const start = async (replicaId: string): Promise<Backend> => {
    const port = await freePort();
    const env = backendEnv({
      ariUrl: fake.url,
      databaseUrl: database.url,
      gatewayUrl: `http://127.0.0.1:${gateway.http.port}`,
      extra: { BACKEND_REPLICA_ID: replicaId, PORT: String(port), BACKEND_ADVERTISE_URL: `http://127.0.0.1:${port}`, TRUST_PROXY: '1' },
    });
    const backend = await startBackend(loadConfig(env), logs.logger.child({ replica: replicaId }));
    cleanup.add(`replica ${replicaId}`, () => backend.stop());
    return backend;
  };
  replicaA = await start('a');
  replicaB = await start('b');
  businessId = await createBusiness(db.prisma, 'Acme Dental', ['+19863334949']);
}, 60_000);

afterAll(async () => {
  await cleanup.releaseAll();
});

async function account(email: string): Promise<StaffAccount> {
  return createStaffAccount(db.prisma, businessId, { email, password: `${email}-password-1234` });
}

describe('the sign-in throttle across replicas', () => {
  it('refuses on replica B the sixth try of an account from an address that failed five times on replica A', async () => {
    const ivy = await account('ivy@acme.example');
    const attacker = clientOf(replicaA);
    for (let i = 0; i < 5; i += 1) {
      expect((await attacker.staff.login(ivy.email, `wrong-${i}`, attacker.headers)).status).toBe(401);
    }
    const onB = await new StaffClient(replicaB.url).login(ivy.email, ivy.password, attacker.headers);
    expect(onB.status).toBe(429);
    expect(onB.body).toEqual({ error: { code: 'rate_limited', message: 'too many failed sign-in attempts; retry later' } });
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(890);
    expect(Number(onB.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    const throttled = await db.prisma.auditEvent.findMany({ where: { actorId: ivy.id, action: 'sign_in_throttled' } });
    expect(throttled.map((event) => event.ip)).toEqual([attacker.headers['x-forwarded-for']]);
    // The real user elsewhere, through either replica, is not locked out.
    const real = clientOf(replicaA);
    expect((await real.staff.login(ivy.email, ivy.password, real.headers)).status).toBe(200);
  });

  it('applies on replica B the account slow-down earned by failures from many addresses on replica A', async () => {
    const jon = await account('jon@acme.example');
    for (let i = 0; i < 5; i += 1) {
      const attacker = clientOf(replicaA);
      expect((await attacker.staff.login(jon.email, `wrong-${i}`, attacker.headers)).status).toBe(401);
    }
    const failures = await db.prisma.loginFailure.findMany({ where: { key: `email:${jon.email}` }, orderBy: { failedAt: 'asc' } });
    expect(failures).toHaveLength(5);
    const lastFailureMs = failures.at(-1)!.failedAt.getTime();
    // Replica B has seen no failure itself, yet holds this untrusted attempt for the account's
    // next slot (1 s after the last failure) and reserves the one after it for the next attempt.
    const later = clientOf(replicaB);
    expect((await later.staff.login(jon.email, jon.password, later.headers)).status).toBe(200);
    const slot = await db.prisma.loginSlot.findUniqueOrThrow({ where: { key: `email:${jon.email}` } });
    expect(slot.nextAt.getTime()).toBeGreaterThanOrEqual(lastFailureMs + 2_000);
    // The address, with its single success, has no slot: only the account is slowed.
    expect(await db.prisma.loginSlot.findUnique({ where: { key: `ip:${later.headers['x-forwarded-for']}` } })).toBeNull();
  });
});
