// Signing in and out of the staff console over real HTTP: cookie flags, what
// the database keeps, the same answer for every bad credential, sessions that
// expire, idle out or whose user is disabled, CSRF on changes, and the sign-in
// throttle (no targeted lockout, no bypass by spoofing X-Forwarded-For).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { DEFAULT_SCRYPT_PARAMS } from '../../../src/staff/password-hash.js';
import { OPERATOR_TOKEN, StaffClient, TEST_SCRYPT_PARAMS, adminRequest, createStaffAccount, type StaffAccount } from '../../support/staff-api.js';

let system: TestSystem;
let businessId: string;
let dana: StaffAccount;
let ipCounter = 0;

/** A client from its own address (TRUST_PROXY=1: the test is the proxy that appends it). */
function client(): { staff: StaffClient; headers: Record<string, string> } {
  ipCounter += 1;
  return { staff: new StaffClient(system.backend.url), headers: { 'x-forwarded-for': `198.51.100.${ipCounter}` } };
}

beforeAll(async () => {
  system = await startSystem({ backendEnv: { OPERATOR_TOKEN, TRUST_PROXY: '1' } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  dana = await createStaffAccount(system.prisma, businessId, { email: 'Dana@Acme.example', password: 'dana-password-1234' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

/** The shape of a hash made by the product: its default scrypt cost, a 16-byte salt and a 32-byte key. */
function productHashPattern(): RegExp {
  const { N, r, p } = DEFAULT_SCRYPT_PARAMS;
  expect({ N, r, p }).toEqual({ N: 32768, r: 8, p: 1 });
  return new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`);
}

const INVALID = { error: { code: 'invalid_credentials', message: 'wrong email or password' } };
const UNAUTHENTICATED = { error: { code: 'unauthenticated', message: 'sign in first' } };
const CSRF_FAILED = { error: { code: 'csrf_failed', message: 'missing or invalid CSRF token' } };

describe('signing in', () => {
  it('sets an HttpOnly SameSite session cookie and answers the user, business and CSRF token', async () => {
    const { staff, headers } = client();
    const answer = await staff.login('  DANA@acme.EXAMPLE ', dana.password, headers);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      user: { id: dana.id, email: 'dana@acme.example', displayName: 'Dana', role: 'staff' },
      business: { id: businessId, name: 'Acme Dental', timezone: 'America/New_York' },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const [setCookie] = answer.headers.getSetCookie();
    expect(setCookie).toMatch(/^sid=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toContain('Secure');
    const expiresAt = Date.parse((answer.body as { expiresAt: string }).expiresAt);
    expect(Math.abs(expiresAt - (Date.now() + 43_200_000))).toBeLessThan(60_000);

    // The database keeps the token's SHA-256, never the token.
    const token = staff.cookie!.slice('sid='.length);
    const rows = await system.prisma.staffSession.findMany({ where: { userId: dana.id } });
    expect(rows.map((row) => row.id)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    const row = rows.find((r) => r.id === createHash('sha256').update(token).digest('hex'))!;
    expect(row).toMatchObject({ ip: headers['x-forwarded-for'], csrfToken: (answer.body as { csrfToken: string }).csrfToken });
    const user = await system.prisma.staffUser.findUniqueOrThrow({ where: { id: dana.id } });
    expect(user.lastLoginAt).not.toBeNull();
    // The helper's account carries the helper's cost; what the product stores is asserted where the product makes hashes.
    const { N, r, p } = TEST_SCRYPT_PARAMS;
    expect(user.passwordHash).toMatch(new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));

    const me = await staff.request('GET', '/api/session');
    expect(me.status).toBe(200);
    expect(me.body).toEqual(answer.body);
  });

  it('answers an unknown email, a wrong password and a disabled account the same way', async () => {
    // Accounts at the product's scrypt cost, so that the timing comparison below is against real work.
    const scrypt = DEFAULT_SCRYPT_PARAMS;
    const kim = await createStaffAccount(system.prisma, businessId, { email: 'kim@acme.example', password: 'kim-password-1234', scrypt });
    const disabled = await createStaffAccount(system.prisma, businessId, { email: 'gone@acme.example', password: 'gone-password-1234', scrypt });
    await system.prisma.staffUser.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });
    const attempts: [string, string][] = [
      ['nobody@acme.example', kim.password],
      [kim.email, 'not-the-password'],
      [disabled.email, disabled.password],
    ];
    const durations: number[] = [];
    for (const [email, password] of attempts) {
      const { staff, headers } = client();
      const started = performance.now();
      const answer = await staff.login(email, password, headers);
      durations.push(performance.now() - started);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: INVALID });
      expect(answer.headers.getSetCookie()).toEqual([]);
    }
    // The unknown email costs a scrypt too: its answer is not conspicuously faster.
    expect(durations[0]!).toBeGreaterThan(durations[1]! * 0.25);
  });

  it('answers 400 for a malformed body and 415 for a form post', async () => {
    const { staff, headers } = client();
    const missing = await staff.request('POST', '/api/session', { body: { email: dana.email }, headers });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: { code: 'bad_request', message: 'invalid request: password: is required' } });
    const wrongType = await staff.request('POST', '/api/session', { body: { email: 42, password: 'x' }, headers });
    expect(wrongType.status).toBe(400);
    expect((wrongType.body as { error: { message: string } }).error.message).toMatch(/^invalid request: email: /);
    const form = await fetch(`${system.backend.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: `email=${encodeURIComponent(dana.email)}&password=${encodeURIComponent(dana.password)}`,
    });
    expect(form.status).toBe(415);
    expect(form.headers.getSetCookie()).toEqual([]);
  });

  it('replaces the session the browser had', async () => {
    const { staff, headers } = client();
    await staff.login(dana.email, dana.password, headers);
    const first = staff.cookie!;
    await staff.login(dana.email, dana.password, headers);
    expect(staff.cookie).not.toBe(first);
    const old = await fetch(`${system.backend.url}/api/session`, { headers: { cookie: first } });
    expect(old.status).toBe(401);
  });
});

describe('sessions', () => {
  it('refuses requests without a cookie, or with a cookie naming no session (and clears it)', async () => {
    const none = await fetch(`${system.backend.url}/api/calls`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual(UNAUTHENTICATED);
    expect(none.headers.getSetCookie()).toEqual([]);

    const forged = await fetch(`${system.backend.url}/api/calls`, { headers: { cookie: 'theme=dark; sid=forged-token' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.getSetCookie()).toEqual(['sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax']);
  });

  it('ends at its expiry', async () => {
    const { staff, headers } = client();
    await staff.login(dana.email, dana.password, headers);
    expect((await staff.request('GET', '/api/calls')).status).toBe(200);
    const id = createHash('sha256').update(staff.cookie!.slice(4)).digest('hex');
    await system.prisma.staffSession.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const answer = await staff.request('GET', '/api/calls');
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: UNAUTHENTICATED });
  });

  it('ends when the operator disables the user or resets the password, and a disabled user cannot sign in', async () => {
    const erin = await createStaffAccount(system.prisma, businessId, { email: 'erin@acme.example', password: 'erin-password-1234' });
    const { staff, headers } = client();
    await staff.login(erin.email, erin.password, headers);
    expect((await adminRequest(system.backend.url, 'POST', `/admin/api/staff/${erin.id}/password`, { password: 'erin-new-password-1' })).status).toBe(200);
    // The operator's reset stores the product's scrypt cost, whatever the account had before.
    const reset = await system.prisma.staffUser.findUniqueOrThrow({ where: { id: erin.id } });
    expect(reset.passwordHash).toMatch(productHashPattern());
    expect((await staff.request('GET', '/api/session')).status).toBe(401);
    expect((await staff.login(erin.email, erin.password, headers)).status).toBe(401);
    expect((await staff.login(erin.email, 'erin-new-password-1', headers)).status).toBe(200);

    expect((await adminRequest(system.backend.url, 'POST', `/admin/api/staff/${erin.id}/disable`)).status).toBe(200);
    expect((await staff.request('GET', '/api/session')).status).toBe(401);
    expect(await system.prisma.staffSession.count({ where: { userId: erin.id } })).toBe(0);
    expect((await staff.login(erin.email, 'erin-new-password-1', headers)).body).toEqual(INVALID);

    expect((await adminRequest(system.backend.url, 'POST', `/admin/api/staff/${erin.id}/enable`)).status).toBe(200);
    expect((await staff.login(erin.email, 'erin-new-password-1', headers)).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses a change without the session token, with a wrong one, or with another session’s', async () => {
    const { staff, headers } = client();
    await staff.login(dana.email, dana.password, headers);
    const other = client();
    await other.staff.login(dana.email, dana.password, other.headers);

    for (const token of [undefined, '', 'forged', other.staff.csrfToken!]) {
      const answer = await staff.request('DELETE', '/api/session', {
        csrf: false,
        headers: token === undefined ? {} : { 'x-csrf-token': token },
      });
      expect({ status: answer.status, body: answer.body }, `token ${token}`).toEqual({ status: 403, body: CSRF_FAILED });
    }
    // Still signed in: nothing changed.
    expect((await staff.request('GET', '/api/session')).status).toBe(200);

    const logout = await staff.request('DELETE', '/api/session');
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie()).toEqual(['sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax']);
    expect(staff.cookie).toBeNull();
    expect((await other.staff.request('GET', '/api/session')).status).toBe(200);
  });

  it('leaves reads alone: a GET needs no token', async () => {
    const { staff, headers } = client();
    await staff.login(dana.email, dana.password, headers);
    expect((await staff.request('GET', '/api/calls', { csrf: false })).status).toBe(200);
  });
});

describe('sign-in throttle', () => {
  it('blocks an account from one address after 5 failures, not the real user elsewhere (no targeted lockout)', async () => {
    const fay = await createStaffAccount(system.prisma, businessId, { email: 'fay@acme.example', password: 'fay-password-1234' });
    const attacker = client();
    for (let i = 0; i < 5; i += 1) {
      expect((await attacker.staff.login(fay.email, `wrong-${i}`, attacker.headers)).status).toBe(401);
    }
    const limited = await attacker.staff.login(fay.email, fay.password, attacker.headers);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: 'rate_limited', message: 'too many failed sign-in attempts; retry later' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(890);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    // The real user, at their own address, signs in with the right password.
    const real = client();
    expect((await real.staff.login(fay.email, fay.password, real.headers)).status).toBe(200);
    // Another account from the attacker's address is not affected either.
    expect((await attacker.staff.login(dana.email, dana.password, attacker.headers)).status).toBe(200);
  });

  it('does not lock out everyone behind one address after 20 failures there: the right password still signs in', async () => {
    const office = client();
    for (let i = 0; i < 20; i += 1) {
      expect((await office.staff.login(`guess-${i}@acme.example`, 'wrong-password', office.headers)).status).toBe(401);
    }
    expect((await office.staff.login(dana.email, dana.password, office.headers)).status).toBe(200);
  });

  it('takes the address its proxy appended, not one the client wrote into X-Forwarded-For', async () => {
    const gus = await createStaffAccount(system.prisma, businessId, { email: 'gus@acme.example', password: 'gus-password-1234' });
    const { staff, headers } = client();
    for (let i = 0; i < 5; i += 1) {
      // Each attempt claims another address; the proxy appended the same real one.
      const spoofed = { 'x-forwarded-for': `203.0.113.${i}, ${headers['x-forwarded-for']}` };
      expect((await staff.login(gus.email, `wrong-${i}`, spoofed)).status).toBe(401);
    }
    const again = await staff.login(gus.email, gus.password, { 'x-forwarded-for': `203.0.113.99, ${headers['x-forwarded-for']}` });
    expect(again.status).toBe(429);
    const failures = await system.prisma.auditEvent.findMany({ where: { actorId: gus.id, action: 'sign_in_failed' } });
    expect(new Set(failures.map((event) => event.ip))).toEqual(new Set([headers['x-forwarded-for']]));
  });

  it('gives a browser that signed in before a device cookie that keeps it out of the account’s slow-down', async () => {
    const hal = await createStaffAccount(system.prisma, businessId, { email: 'hal@acme.example', password: 'hal-password-1234' });
    const own = client();
    const first = await own.staff.login(hal.email, hal.password, own.headers);
    const device = first.headers.getSetCookie().find((cookie) => cookie.startsWith('dev='))!;
    expect(device).toMatch(/^dev=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=15552000; HttpOnly; SameSite=Strict$/);
    // An attack on the account from many addresses.
    for (let i = 0; i < 6; i += 1) {
      const attacker = client();
      expect((await attacker.staff.login(hal.email, `wrong-${i}`, attacker.headers)).status).toBe(401);
    }
    const audit = await system.prisma.auditEvent.findMany({ where: { actorId: hal.id }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((event) => event.action)).toEqual(['sign_in', ...Array<string>(6).fill('sign_in_failed')]);
    // From the trusted browser: signed in at once, and the audit log says so.
    const later = new StaffClient(system.backend.url);
    const answer = await later.login(hal.email, hal.password, { ...own.headers, cookie: device.split(';')[0]! });
    expect(answer.status).toBe(200);
    const last = await system.prisma.auditEvent.findFirstOrThrow({ where: { actorId: hal.id }, orderBy: { createdAt: 'desc' } });
    expect(last).toMatchObject({ action: 'sign_in', detail: 'from a browser used before' });
    // A device cookie made for another account (or forged) is not trusted.
    const forged = `dev=${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const stranger = new StaffClient(system.backend.url);
    const slowed = await stranger.login(hal.email, hal.password, { ...client().headers, cookie: forged });
    expect([200, 429]).toContain(slowed.status);
    const lastAgain = await system.prisma.auditEvent.findFirstOrThrow({ where: { actorId: hal.id }, orderBy: { createdAt: 'desc' } });
    expect(lastAgain.detail).not.toBe('from a browser used before');
  });
});

describe('the audit log of sign-ins', () => {
  it('records failed sign-ins of unknown emails without what was typed', async () => {
    const { staff, headers } = client();
    const typed = 'my-password-typed-in-the-email-field';
    await staff.login(typed, 'whatever-password', headers);
    const events = await system.prisma.auditEvent.findMany({ where: { ip: headers['x-forwarded-for'] } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'sign_in_failed', actorLabel: '(unknown account)', businessId: null });
    expect(JSON.stringify(events)).not.toContain(typed);
    expect(JSON.stringify(events)).not.toContain('whatever-password');
  });
});

describe('idle sessions', () => {
  it('ends a session unused for STAFF_SESSION_IDLE_MS', async () => {
    const { staff, headers } = client();
    await staff.login(dana.email, dana.password, headers);
    const id = createHash('sha256').update(staff.cookie!.slice(4)).digest('hex');
    await system.prisma.staffSession.update({ where: { id }, data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    const answer = await staff.request('GET', '/api/calls');
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: UNAUTHENTICATED });
  });
});

describe('secrets in logs', () => {
  it('never logs a password, session token, CSRF token or cookie', async () => {
    const { staff, headers } = client();
    await staff.login(dana.email, dana.password, headers);
    await staff.login(dana.email, 'a-wrong-password-xyz', headers);
    await staff.request('DELETE', '/api/session', { csrf: false });
    const text = system.logs.lines().join('\n');
    expect(text).toContain('staff signed in');
    expect(text).toContain('staff sign-in failed');
    for (const secret of [dana.password, 'a-wrong-password-xyz', staff.cookie!.slice(4), staff.csrfToken!, OPERATOR_TOKEN]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('Secure cookies', () => {
  it('marks the cookie Secure when COOKIE_SECURE is set', async () => {
    const secure = await startSystem({ backendEnv: { COOKIE_SECURE: 'true' } });
    try {
      await secure.waitReady();
      const id = await createBusiness(secure.prisma, 'Secure Co', ['+19863331111']);
      const account = await createStaffAccount(secure.prisma, id, { email: 'sec@secure.example' });
      const staff = new StaffClient(secure.backend.url);
      const answer = await staff.login(account.email, account.password);
      expect(answer.headers.getSetCookie()[0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
      const logout = await staff.request('DELETE', '/api/session');
      expect(logout.headers.getSetCookie()[0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
    } finally {
      await secure.stop();
    }
  });
});
