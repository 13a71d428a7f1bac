// Extensions 100 and 101 as seed rows of Asterisk's realtime tables, written
// at the backend's start from STAFF_100_PASSWORD and STAFF_101_PASSWORD: the
// rows Asterisk reads (checked as res_sorcery_realtime would: the digest a
// phone's answer is checked against), left alone when already as the
// environment has them (a restart keeps the phones registered), rewritten with
// the registration dropped when the password changed, and out of the admin
// API's reach. Real PostgreSQL, migrated by our own runner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/index.js';
import { seedFallbackExtensions } from '../../../src/admin/fallback-extensions.js';
import { ExtensionService } from '../../../src/admin/extension-service.js';
import { md5Credential } from '../../../src/admin/pjsip-realtime.js';
import { CleanupStack } from '../../kit/cleanup-stack.js';
import { createBusiness } from '../../kit/calls.js';
import { openTestDb } from '../../support/db.js';
import { captureLogs } from '../../support/log-capture.js';

const PASSWORDS = { '100': 'fallback-100-Secret', '101': 'fallback-101-Secret' };
const cleanup = new CleanupStack();
let db: Db;

beforeAll(async () => {
  db = await openTestDb(cleanup);
}, 60_000);
afterAll(() => cleanup.releaseAll());

async function realtimeRow(extension: string) {
  const rows = await db.prisma.$queryRaw<{ id: string; auth: string; aors: string; context: string; md5_cred: string; username: string; realm: string; auth_type: string }[]>`
    SELECT e.id, e.auth, e.aors, e.context, a.md5_cred, a.username, a.realm, a.auth_type::text
      FROM asterisk.ps_endpoints e JOIN asterisk.ps_auths a ON a.id = e.auth JOIN asterisk.ps_aors o ON o.id = e.aors
     WHERE e.id = ${extension}`;
  return rows[0] ?? null;
}

async function registrations(extension: string): Promise<number> {
  const rows = await db.prisma.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM asterisk.ps_contacts WHERE endpoint = ${extension}`;
  return Number(rows[0]!.count);
}

async function register(extension: string): Promise<void> {
  await db.prisma.$executeRaw`
    INSERT INTO asterisk.ps_contacts (id, uri, expiration_time, endpoint)
    VALUES (${`${extension};@phone`}, ${`sip:${extension}@192.0.2.10:5060`}, '9999999999', ${extension})`;
}

describe('the fallback extensions seeded from the environment', () => {
  it('writes rows Asterisk authenticates with the environment password, and leaves them alone on the next start', async () => {
    const logs = captureLogs();
    const logger = logs.logger;
    expect(await seedFallbackExtensions(db.prisma, PASSWORDS, logger)).toEqual(['100', '101']);
    for (const [extension, password] of Object.entries(PASSWORDS)) {
      expect(await realtimeRow(extension)).toEqual({
        id: extension,
        auth: extension,
        aors: extension,
        context: 'internal',
        md5_cred: md5Credential(extension, password),
        username: extension,
        realm: 'asterisk',
        auth_type: 'md5',
      });
    }
    // The password is never logged, only which extensions were written.
    expect(logs.lines().join('\n')).not.toContain(PASSWORDS['100']);

    await register('100');
    expect(await seedFallbackExtensions(db.prisma, PASSWORDS, logger)).toEqual([]);
    expect(await registrations('100')).toBe(1);
  });

  it('rewrites an extension whose password changed and drops its registration', async () => {
    const silent = captureLogs().logger;
    await seedFallbackExtensions(db.prisma, PASSWORDS, silent);
    await register('101');
    const changed = { ...PASSWORDS, '101': 'fallback-101-Rotated' };
    expect(await seedFallbackExtensions(db.prisma, changed, silent)).toEqual(['101']);
    expect((await realtimeRow('101'))?.md5_cred).toBe(md5Credential('101', changed['101']));
    expect(await registrations('101')).toBe(0);
  });

  it('refuses any other extension, writing nothing', async () => {
    await expect(seedFallbackExtensions(db.prisma, { '102': 'some-long-password' }, captureLogs().logger)).rejects.toThrow(/not one of the fallback extensions/);
    expect(await realtimeRow('102')).toBeNull();
  });

  it('keeps the fallback extensions out of the admin API: no business may create, rotate or disable them', async () => {
    await seedFallbackExtensions(db.prisma, PASSWORDS, captureLogs().logger);
    const businessId = await createBusiness(db.prisma, 'Fallback owner', ['+19863336101']);
    const extensions = new ExtensionService(db.prisma);
    await expect(extensions.create(businessId, { extension: '100', displayName: 'Front desk' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(extensions.rotatePassword('101')).rejects.toMatchObject({ code: 'conflict' });
    await expect(extensions.disable('100')).rejects.toMatchObject({ code: 'conflict' });
    expect((await realtimeRow('100'))?.md5_cred).toBe(md5Credential('100', PASSWORDS['100']));
    // Other extensions are the API's as before.
    const created = await extensions.create(businessId, { extension: '102', displayName: 'Front desk' });
    expect((await realtimeRow('102'))?.md5_cred).toBe(md5Credential('102', created.sipPassword));
  });
});
