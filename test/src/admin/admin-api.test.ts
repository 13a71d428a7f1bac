// The operator's admin API over real HTTP: bearer auth (and 503 when no
// OPERATOR_TOKEN is configured), businesses, phone numbers and staff accounts
// with their validation, and the platform overview with a live call.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchGatewayReadiness } from '../../../src/admin/gateway-readiness.js';
import { buildApp } from '../../../src/http/app.js';
import { startSystem, type TestSystem } from '../../support/test-system.js';
import { OPERATOR_TOKEN, StaffClient, adminRequest } from '../../support/staff-api.js';
import { waitFor } from '../../kit/wait.js';

let system: TestSystem;
const api = (method: string, path: string, body?: unknown, authorization?: string | null) =>
  adminRequest(system.backend.url, method, `/admin/api${path}`, body, authorization);

const BUSINESS = {
  name: 'Acme Dental',
  timezone: 'America/New_York',
  greeting: 'Thanks for calling Acme Dental.',
  systemPrompt: 'You answer the phone for Acme Dental.',
  voice: 'aura-2-thalia-en',
};

beforeAll(async () => {
  system = await startSystem({ backendEnv: { OPERATOR_TOKEN } });
  await system.waitReady();
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

function errorOf(body: unknown): { code: string; message: string } {
  return (body as { error: { code: string; message: string } }).error;
}

describe('authentication', () => {
  it('refuses a missing, wrong or non-bearer token with 401 and never logs it', async () => {
    const wrong = 'wrong-operator-token-0123456789';
    for (const authorization of [null, `Bearer ${wrong}`, `Basic ${Buffer.from(`op:${OPERATOR_TOKEN}`).toString('base64')}`, 'Bearer ']) {
      for (const [method, path] of [['GET', '/overview'], ['GET', '/businesses'], ['POST', '/businesses'], ['DELETE', `/businesses/${randomUUID()}`]] as const) {
        const answer = await api(method, path, method === 'POST' ? BUSINESS : undefined, authorization);
        expect({ status: answer.status, body: answer.body }, `${method} ${path} ${authorization}`).toEqual({
          status: 401,
          body: { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } },
        });
      }
    }
    expect(await system.prisma.business.count({ where: { name: BUSINESS.name } })).toBe(0);
    const logs = system.logs.lines().join('\n');
    expect(logs).toContain('admin API request refused');
    expect(logs).not.toContain(wrong);
    expect(logs).not.toContain(OPERATOR_TOKEN);
  });

  it('answers 503 admin_disabled on every route when OPERATOR_TOKEN is not set', async () => {
    const app = buildApp({
      logger: pino({ level: 'silent' }),
      readiness: [],
      internal: { token: 'gateway-token-0123456789', api: () => null },
      admin: { operatorToken: undefined, services: () => null },
    });
    try {
      for (const [method, url] of [['GET', '/admin/api/overview'], ['POST', '/admin/api/businesses'], ['GET', '/admin/api/staff/x']] as const) {
        const answer = await app.inject({ method, url, headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
        expect(answer.statusCode).toBe(503);
        expect(answer.json()).toEqual({
          error: { code: 'admin_disabled', message: 'the admin API is disabled: OPERATOR_TOKEN is not set' },
        });
      }
    } finally {
      await app.close();
    }
  });
});

describe('businesses', () => {
  it('creates, reads, lists, updates and deletes a business (its call logs stay)', async () => {
    const created = await api('POST', '/businesses', { ...BUSINESS, timezone: 'america/new_york', transferTarget: 'PJSIP/100' });
    expect(created.status).toBe(201);
    const business = created.body as { id: string };
    expect(business).toEqual({
      id: expect.any(String),
      ...BUSINESS,
      language: 'en',
      transferTarget: 'PJSIP/100',
      transferMode: 'cold',
      aiShare: 100,
      voicemailMessage: null,
      outboundCallerId: null,
      outboundWindowStart: '09:00',
      outboundWindowEnd: '18:00',
      outboundDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
      outboundMaxConcurrent: 2,
      outboundMaxPerMinute: 5,
      engine: { name: 'cascade' },
      vadMode: 'energy',
      recordingRetentionDays: null,
      transcriptRetentionDays: null,
      phoneNumbers: [],
      staffCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await api('GET', `/businesses/${business.id}`)).body).toEqual(business);
    const list = (await api('GET', '/businesses')).body as { businesses: { id: string }[] };
    expect(list.businesses.map((b) => b.id)).toContain(business.id);

    const patched = await api('PATCH', `/businesses/${business.id}`, { greeting: 'Hello!', transferTarget: null, language: 'en-US' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ greeting: 'Hello!', transferTarget: null, language: 'en-US', name: BUSINESS.name });
    const retention = await api('PATCH', `/businesses/${business.id}`, { recordingRetentionDays: 30, transcriptRetentionDays: null });
    expect(retention.body).toMatchObject({ recordingRetentionDays: 30, transcriptRetentionDays: null });
    expect((await api('PATCH', `/businesses/${business.id}`, { recordingRetentionDays: 0 })).status).toBe(400);
    // Every operator change is in the audit log, and the operator reads it.
    const audit = (await api('GET', `/audit?business=${business.id}`)).body as { events: { action: string; actorLabel: string; detail: string | null }[] };
    expect(audit.events.map((event) => event.action)).toEqual(['settings_changed', 'settings_changed', 'business_created']);
    expect(audit.events[0]).toMatchObject({ actorLabel: 'operator', detail: 'changed: recordingRetentionDays, transcriptRetentionDays' });

    const call = await system.prisma.callLog.create({
      data: { businessId: business.id, channelId: `c-${randomUUID()}`, toNumber: '+19863334949', status: 'completed' },
    });
    expect((await api('DELETE', `/businesses/${business.id}`)).status).toBe(204);
    expect((await api('GET', `/businesses/${business.id}`)).status).toBe(404);
    expect((await api('DELETE', `/businesses/${business.id}`)).status).toBe(404);
    expect(await system.prisma.callLog.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({ businessId: null });
  });

  const invalid: [string, unknown, RegExp][] = [
    ['an unknown time zone', { ...BUSINESS, timezone: 'Mars/Olympus_Mons' }, /timezone: "Mars\/Olympus_Mons" is not an IANA time zone/],
    ['a missing name', { ...BUSINESS, name: undefined }, /name: /],
    ['an empty greeting', { ...BUSINESS, greeting: '   ' }, /greeting: must not be empty/],
    ['a dial string with options', { ...BUSINESS, transferTarget: 'PJSIP/100,30,tT' }, /transferTarget: must be an Asterisk dial string/],
    ['two dial targets', { ...BUSINESS, transferTarget: 'PJSIP/100&PJSIP/200' }, /transferTarget: /],
    ['a bad language', { ...BUSINESS, language: 'English' }, /language: must be a language tag/],
    ['an unknown field', { ...BUSINESS, system_prompt: 'x' }, /system_prompt/],
  ];
  for (const [what, body, message] of invalid) {
    it(`refuses ${what} with 400`, async () => {
      const answer = await api('POST', '/businesses', body);
      expect(answer.status).toBe(400);
      expect(errorOf(answer.body).code).toBe('bad_request');
      expect(errorOf(answer.body).message).toMatch(message);
    });
  }

  it('answers 404 for an unknown or malformed id and 400 for a bad patch', async () => {
    for (const id of [randomUUID(), 'not-an-id']) {
      const answer = await api('GET', `/businesses/${id}`);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no such business' } } });
    }
    const created = (await api('POST', '/businesses', BUSINESS)).body as { id: string };
    const answer = await api('PATCH', `/businesses/${created.id}`, { timezone: 'Nowhere/Land' });
    expect(answer.status).toBe(400);
  });
});

describe('phone numbers', () => {
  it('adds E.164 numbers (unique across businesses) and removes them', async () => {
    const a = (await api('POST', '/businesses', BUSINESS)).body as { id: string };
    const b = (await api('POST', '/businesses', { ...BUSINESS, name: 'Other' })).body as { id: string };
    const added = await api('POST', `/businesses/${a.id}/numbers`, { e164: '+19865550100' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: a.id, phoneNumbers: ['+19865550100'] });

    for (const target of [a.id, b.id]) {
      const taken = await api('POST', `/businesses/${target}/numbers`, { e164: '+19865550100' });
      expect(taken.status).toBe(409);
      expect(errorOf(taken.body)).toEqual({ code: 'conflict', message: '+19865550100 is already assigned to a business; remove it there first' });
    }
    for (const e164 of ['19865550100', '+0123456789', '+1 986 555 0100', '+1234']) {
      const bad = await api('POST', `/businesses/${a.id}/numbers`, { e164 });
      expect(bad.status, e164).toBe(400);
      expect(errorOf(bad.body).message).toMatch(/e164: must be an E.164 number/);
    }
    expect((await api('POST', `/businesses/${randomUUID()}/numbers`, { e164: '+19865550199' })).status).toBe(404);

    // Another business cannot remove it.
    const wrongOwner = await api('DELETE', `/businesses/${b.id}/numbers/${encodeURIComponent('+19865550100')}`);
    expect(wrongOwner.status).toBe(404);
    expect((await api('DELETE', `/businesses/${a.id}/numbers/${encodeURIComponent('+19865550100')}`)).status).toBe(204);
    expect((await api('DELETE', `/businesses/${a.id}/numbers/${encodeURIComponent('+19865550100')}`)).status).toBe(404);
    expect((await api('GET', `/businesses/${a.id}`)).body).toMatchObject({ phoneNumbers: [] });
  });
});

describe('staff accounts', () => {
  it('creates accounts (email lower-cased and unique), never answers the hash, and lists them', async () => {
    const business = (await api('POST', '/businesses', BUSINESS)).body as { id: string };
    const created = await api('POST', `/businesses/${business.id}/staff`, {
      email: 'Dana@Acme.Example',
      displayName: 'Dana',
      role: 'manager',
      password: 'dana-password-1234',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      businessId: business.id,
      email: 'dana@acme.example',
      displayName: 'Dana',
      role: 'manager',
      createdAt: expect.any(String),
      lastLoginAt: null,
      disabledAt: null,
    });
    expect(JSON.stringify(created.body)).not.toMatch(/scrypt|password/);
    // Accounts made by the product carry its scrypt cost (N=32768, r=8, p=1), a 16-byte salt and a 32-byte key.
    const row = await system.prisma.staffUser.findUniqueOrThrow({ where: { id: (created.body as { id: string }).id } });
    expect(row.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);

    const duplicate = await api('POST', `/businesses/${business.id}/staff`, {
      email: 'DANA@acme.example',
      displayName: 'Dana again',
      password: 'another-password-1234',
    });
    expect(duplicate.status).toBe(409);

    const staffList = await api('GET', `/businesses/${business.id}/staff`);
    expect((staffList.body as { staff: { email: string }[] }).staff.map((s) => s.email)).toEqual(['dana@acme.example']);
    expect((await api('GET', `/businesses/${business.id}`)).body).toMatchObject({ staffCount: 1 });

    const staff = new StaffClient(system.backend.url);
    expect((await staff.login('dana@acme.example', 'dana-password-1234')).status).toBe(200);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['a short password', { email: 'a@b.example', displayName: 'A', password: 'short' }, /password: must be at least 12 characters/],
    ['a bad email', { email: 'not-an-email', displayName: 'A', password: 'long-enough-password' }, /email: must be an email address/],
    ['an unknown role', { email: 'a@b.example', displayName: 'A', password: 'long-enough-password', role: 'owner' }, /role: /],
  ];
  for (const [what, body, message] of invalid) {
    it(`refuses ${what} with 400`, async () => {
      const business = (await api('POST', '/businesses', BUSINESS)).body as { id: string };
      const answer = await api('POST', `/businesses/${business.id}/staff`, body);
      expect(answer.status).toBe(400);
      expect(errorOf(answer.body).message).toMatch(message);
    });
  }

  it('answers 404 for an unknown account and 400 for a weak new password', async () => {
    for (const path of [`/staff/${randomUUID()}/disable`, `/staff/${randomUUID()}/enable`, '/staff/nope/disable']) {
      const answer = await api('POST', path);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no such staff account' } } });
    }
    expect((await api('GET', `/staff/${randomUUID()}`)).status).toBe(404);
    const weak = await api('POST', `/staff/${randomUUID()}/password`, { password: 'short' });
    expect(weak.status).toBe(400);
  });
});

describe('overview', () => {
  it('shows calls in progress across businesses, the backend readiness and the gateway readiness', async () => {
    const business = (await api('POST', '/businesses', { ...BUSINESS, name: 'Live Co' })).body as { id: string };
    expect((await api('POST', `/businesses/${business.id}/numbers`, { e164: '+19865550177' })).status).toBe(201);

    const call = system.fake.placeCall({ from: '+15551230000', to: '+19865550177' });
    const row = await waitFor(
      async () => {
        const found = await system.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
        return found?.bridgeId ? found : null;
      },
      { what: 'the call to be connected' },
    );
    expect(row.businessId).toBe(business.id);

    const answer = await api('GET', '/overview');
    expect(answer.status).toBe(200);
    const overview = answer.body as {
      activeCalls: { count: number; calls: Record<string, unknown>[] };
      backend: { ready: boolean; checks: Record<string, { ok: boolean }> };
      mediaGateway: { reachable: boolean; ready: boolean; status: number };
    };
    expect(overview.activeCalls.count).toBe(1);
    expect(overview.activeCalls.calls).toEqual([
      expect.objectContaining({ id: row.id, businessId: business.id, businessName: 'Live Co', status: 'answered', from: '+15551230000' }),
    ]);
    expect(overview.backend).toEqual({
      ready: true,
      reasons: [],
      checks: {
        shutdown: { ok: true },
        // The operator sees which replica answered and each Asterisk node it holds.
        ari: { ok: true, detail: { replica: expect.any(String), nodes: [expect.objectContaining({ name: 'asterisk', owner: 'this replica', ari: 'connected', calls: 1, problem: null })] } },
        database: { ok: true },
      },
    });
    expect(overview.mediaGateway).toEqual({ reachable: true, ready: true, status: 200, reasons: [], checks: {} });

    system.fake.hangupCaller(call.channelId);
    await waitFor(async () => {
      const now = (await api('GET', '/overview')).body as { activeCalls: { count: number; calls: unknown[] } };
      return now.activeCalls.count === 0 && now.activeCalls.calls.length === 0 ? true : null;
    }, { what: 'the overview to show no call' });
  });

  it('reports an unreachable gateway without failing', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await fetchGatewayReadiness(`http://127.0.0.1:${port}`, 500)).toEqual({
      reachable: false,
      ready: false,
      status: null,
      reasons: ['media gateway: unreachable'],
      checks: {},
    });
  });
});
