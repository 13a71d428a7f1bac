// Staff extensions through the operator's API, read back the way Asterisk reads
// them: res_config_pgsql selects the realtime rows by id from the `asterisk`
// schema (extconfig.conf), and PJSIP's digest authenticator checks a phone's
// answer against the auth row's md5_cred (RFC 2617 HA1). A phone's
// registration is the ps_contacts row Asterisk writes.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, adminRequest } from '../support/staff-api.js';
import { startSystem, type TestSystem } from '../support/test-system.js';
import { createBusiness } from '../kit/calls.js';

let system: TestSystem;
let asterisk: pg.Client;
let businessId: string;

beforeAll(async () => {
  system = await startSystem({ backendEnv: { OPERATOR_TOKEN } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  // What res_config_pgsql is: a plain PostgreSQL client of the same database.
  asterisk = new pg.Client({ connectionString: system.database.url });
  await asterisk.connect();
}, 60_000);

afterAll(async () => {
  await asterisk?.end();
  await system?.stop();
});

const api = (method: string, path: string, body?: unknown) => adminRequest(system.backend.url, method, `/admin/api${path}`, body);

/** res_config_pgsql's realtime_pgsql(): SELECT * FROM <table> WHERE id = ... */
async function realtimeRow(table: 'ps_endpoints' | 'ps_auths' | 'ps_aors', id: string): Promise<Record<string, unknown> | null> {
  const { rows } = await asterisk.query<Record<string, unknown>>(`SELECT * FROM asterisk.${table} WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** What PJSIP checks for a REGISTER with digest auth: the phone's response computed from its password, against md5_cred as HA1. */
function phoneAuthenticates(auth: Record<string, unknown>, username: string, password: string): boolean {
  const realm = String(auth['realm']);
  const nonce = 'b1f4c0de';
  const ha2 = md5('REGISTER:sip:asterisk');
  const phoneResponse = md5(`${md5(`${username}:${realm}:${password}`)}:${nonce}:${ha2}`);
  return auth['auth_type'] === 'md5' && auth['username'] === username && md5(`${String(auth['md5_cred'])}:${nonce}:${ha2}`) === phoneResponse;
}

describe('staff extensions in PJSIP realtime', () => {
  it('creates an extension Asterisk can authenticate, rotates its password, and disables it', async () => {
    const created = await api('POST', `/businesses/${businessId}/extensions`, { extension: '102', displayName: 'Front "desk"' });
    expect(created.status).toBe(201);
    const { sipPassword } = created.body as { sipPassword: string };
    expect(sipPassword).toMatch(/^[A-Za-z0-9]{24}$/);

    expect(await realtimeRow('ps_endpoints', '102')).toMatchObject({
      transport: 'transport-udp',
      aors: '102',
      auth: '102',
      context: 'internal',
      disallow: 'all',
      allow: 'ulaw',
      direct_media: 'no',
      callerid: '"Front desk" <102>',
    });
    expect(await realtimeRow('ps_aors', '102')).toMatchObject({ max_contacts: 1, remove_existing: 'yes' });
    const auth = (await realtimeRow('ps_auths', '102'))!;
    expect(auth['password']).toBeNull();
    expect(phoneAuthenticates(auth, '102', sipPassword)).toBe(true);
    expect(phoneAuthenticates(auth, '102', 'wrong-password')).toBe(false);

    // The phone registers: Asterisk writes its contact.
    await asterisk.query(
      `INSERT INTO asterisk.ps_contacts (id, uri, expiration_time, endpoint, user_agent) VALUES ($1, $2, $3, '102', 'Yealink')`,
      ['102;@5a1d0f6c', 'sip:102@192.0.2.20:5060', String(Math.floor(Date.now() / 1000) + 3600)],
    );

    const rotated = await api('POST', '/extensions/102/password');
    expect(rotated.status).toBe(200);
    const newPassword = (rotated.body as { sipPassword: string }).sipPassword;
    expect(newPassword).not.toBe(sipPassword);
    const rotatedAuth = (await realtimeRow('ps_auths', '102'))!;
    expect(phoneAuthenticates(rotatedAuth, '102', newPassword)).toBe(true);
    expect(phoneAuthenticates(rotatedAuth, '102', sipPassword)).toBe(false);
    // The registration made with the old password is gone.
    expect((await asterisk.query(`SELECT id FROM asterisk.ps_contacts WHERE endpoint = '102'`)).rows).toEqual([]);

    const listed = await api('GET', `/businesses/${businessId}/extensions`);
    expect(JSON.stringify(listed.body)).not.toContain(newPassword);
    expect(listed.body).toMatchObject({ extensions: [{ extension: '102', displayName: 'Front "desk"', disabledAt: null }] });

    const disabled = await api('POST', '/extensions/102/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ extension: '102', disabledAt: expect.any(String) });
    for (const table of ['ps_endpoints', 'ps_auths', 'ps_aors'] as const) expect(await realtimeRow(table, '102')).toBeNull();

    // Passwords are in the answers that made them and nowhere else.
    const logs = system.logs.lines().join('\n');
    for (const password of [sipPassword, newPassword]) expect(logs).not.toContain(password);
  });

  it('refuses a taken or malformed extension, and an unknown one, with nothing written', async () => {
    expect((await api('POST', `/businesses/${businessId}/extensions`, { extension: '110', displayName: 'Lab' })).status).toBe(201);
    const taken = await api('POST', `/businesses/${businessId}/extensions`, { extension: '110', displayName: 'Lab again' });
    expect(taken.status).toBe(409);
    const malformed = await api('POST', `/businesses/${businessId}/extensions`, { extension: '0110', displayName: 'Lab' });
    expect(malformed.status).toBe(400);
    expect(await realtimeRow('ps_endpoints', '0110')).toBeNull();
    expect((await api('POST', '/extensions/999/password')).status).toBe(404);
    expect((await asterisk.query(`SELECT callerid FROM asterisk.ps_endpoints WHERE id = '110'`)).rows).toEqual([{ callerid: '"Lab" <110>' }]);
  });
});
