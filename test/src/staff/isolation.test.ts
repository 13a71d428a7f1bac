// The tenant-isolation matrix: every role against every staff and admin route,
// on resources of business A and of business B, with the exact status of each
// cell. Another business's call must answer exactly like a call that does not exist.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { OPERATOR_TOKEN, StaffClient, createStaffAccount, insertCall, type StaffAccount } from '../../support/staff-api.js';

type Role = 'anonymous' | 'staff A' | 'manager A' | 'staff B' | 'operator';
type Owner = 'A' | 'B';
const ROLES: Role[] = ['anonymous', 'staff A', 'manager A', 'staff B', 'operator'];
const OWNERS: Owner[] = ['A', 'B'];

interface Fixture {
  businessId: string;
  callId: string;
  account: StaffAccount;
}

let system: TestSystem;
let recordingsDir: string;
const fixtures = {} as Record<Owner, Fixture>;
let managerA: StaffAccount;

beforeAll(async () => {
  recordingsDir = await mkdtemp(join(tmpdir(), 'staff-recordings-'));
  system = await startSystem({ backendEnv: { OPERATOR_TOKEN, RECORDINGS_DIR: recordingsDir } });
  await system.waitReady();
  for (const [owner, number] of [['A', '+19863334949'], ['B', '+19863330000']] as const) {
    const businessId = await createBusiness(system.prisma, `Business ${owner}`, [number]);
    const createdAt = new Date('2026-11-20T10:00:00.000Z');
    const callId = await insertCall(system.prisma, businessId, { createdAt, turns: [`hello from ${owner}`] });
    const path = join(recordingsDir, businessId, '2026', '11', `${callId}.wav`);
    await mkdir(join(recordingsDir, businessId, '2026', '11'), { recursive: true });
    await writeFile(path, Buffer.from(`RIFF-recording-of-${owner}`));
    await system.prisma.callLog.update({ where: { id: callId }, data: { recordingPath: path } });
    const account = await createStaffAccount(system.prisma, businessId, { email: `staff@${owner.toLowerCase()}.example` });
    fixtures[owner] = { businessId, callId, account };
  }
  managerA = await createStaffAccount(system.prisma, fixtures.A.businessId, { email: 'manager@a.example', role: 'manager' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await rm(recordingsDir, { recursive: true, force: true });
});

interface Route {
  name: string;
  /** Whether the route concerns one resource (its owner matters) or the caller's own business. */
  request(client: Caller, owner: Fixture): Promise<{ status: number; body: unknown; contentType: string | null }>;
  expected(role: Role, owner: Owner): number;
}

/** Who sends the request: a staff browser session, the operator's token, or nobody. */
interface Caller {
  role: Role;
  staff: StaffClient | null;
  bearer: string | null;
}

function staffBusiness(role: Role): Owner | null {
  if (role === 'staff A' || role === 'manager A') return 'A';
  if (role === 'staff B') return 'B';
  return null;
}

async function send(caller: Caller, method: string, path: string, body?: unknown) {
  if (caller.staff) {
    const answer = await caller.staff.request(method, path, body === undefined ? {} : { body });
    return { status: answer.status, body: answer.body, contentType: answer.headers.get('content-type') };
  }
  const headers: Record<string, string> = {};
  if (caller.bearer) headers.authorization = caller.bearer;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${system.backend.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  const parsed: unknown = contentType?.includes('json') && text ? JSON.parse(text) : text;
  return { status: response.status, body: parsed, contentType };
}

/** Staff routes: 401 for anyone without a session, else 200 on the own business and 404 on another's. */
const staffOnly = (own: number, other: number) => (role: Role, owner: Owner) => {
  const business = staffBusiness(role);
  if (business === null) return 401;
  return business === owner ? own : other;
};
/** Admin routes: only the operator token. */
const operatorOnly = (status: number) => (role: Role) => (role === 'operator' ? status : 401);

const ROUTES: Route[] = [
  {
    name: 'GET /api/session',
    request: (c) => send(c, 'GET', '/api/session'),
    expected: staffOnly(200, 200),
  },
  {
    name: 'GET /api/calls',
    request: (c) => send(c, 'GET', '/api/calls'),
    expected: staffOnly(200, 200),
  },
  {
    name: 'GET /api/calls/:id',
    request: (c, owner) => send(c, 'GET', `/api/calls/${owner.callId}`),
    expected: staffOnly(200, 404),
  },
  {
    name: 'GET /api/calls/:id/recording',
    request: (c, owner) => send(c, 'GET', `/api/calls/${owner.callId}/recording`),
    expected: staffOnly(200, 404),
  },
  {
    name: 'GET /api/live',
    request: (c) => send(c, 'GET', '/api/live'),
    expected: staffOnly(200, 200),
  },
  {
    name: 'GET /api/live/events',
    request: async (c) => {
      const controller = new AbortController();
      const headers: Record<string, string> = {};
      if (c.staff?.cookie) headers.cookie = c.staff.cookie;
      if (c.bearer) headers.authorization = c.bearer;
      const response = await fetch(`${system.backend.url}/api/live/events`, { headers, signal: controller.signal });
      const contentType = response.headers.get('content-type');
      controller.abort();
      await response.body?.cancel().catch(() => {});
      return { status: response.status, body: null, contentType };
    },
    expected: staffOnly(200, 200),
  },
  {
    name: 'GET /api/staff',
    request: (c) => send(c, 'GET', '/api/staff'),
    expected: (role) => (staffBusiness(role) === null ? 401 : role === 'manager A' ? 200 : 403),
  },
  {
    name: 'POST /api/session (sign in as a user of the business)',
    request: (c, owner) =>
      send(c, 'POST', '/api/session', { email: owner.account.email, password: owner.account.password }),
    expected: () => 200,
  },
  {
    name: 'DELETE /api/session',
    request: (c) => send(c, 'DELETE', '/api/session'),
    expected: staffOnly(204, 204),
  },
  {
    name: 'GET /admin/api/overview',
    request: (c) => send(c, 'GET', '/admin/api/overview'),
    expected: operatorOnly(200),
  },
  {
    name: 'GET /admin/api/businesses',
    request: (c) => send(c, 'GET', '/admin/api/businesses'),
    expected: operatorOnly(200),
  },
  {
    name: 'GET /admin/api/businesses/:id',
    request: (c, owner) => send(c, 'GET', `/admin/api/businesses/${owner.businessId}`),
    expected: operatorOnly(200),
  },
  {
    name: 'PATCH /admin/api/businesses/:id',
    request: (c, owner) => send(c, 'PATCH', `/admin/api/businesses/${owner.businessId}`, { greeting: 'Hello there.' }),
    expected: operatorOnly(200),
  },
  {
    name: 'GET /admin/api/businesses/:id/staff',
    request: (c, owner) => send(c, 'GET', `/admin/api/businesses/${owner.businessId}/staff`),
    expected: operatorOnly(200),
  },
  {
    name: 'GET /admin/api/staff/:userId',
    request: (c, owner) => send(c, 'GET', `/admin/api/staff/${owner.account.id}`),
    expected: operatorOnly(200),
  },
  {
    name: 'POST+DELETE /admin/api/businesses/:id/numbers',
    request: async (c, owner) => {
      const number = owner === fixtures.A ? '+15550001111' : '+15550002222';
      const added = await send(c, 'POST', `/admin/api/businesses/${owner.businessId}/numbers`, { e164: number });
      if (added.status !== 201) return added;
      return send(c, 'DELETE', `/admin/api/businesses/${owner.businessId}/numbers/${encodeURIComponent(number)}`);
    },
    expected: operatorOnly(204),
  },
];

async function callerFor(role: Role): Promise<Caller> {
  if (role === 'anonymous') return { role, staff: null, bearer: null };
  if (role === 'operator') return { role, staff: null, bearer: `Bearer ${OPERATOR_TOKEN}` };
  const account = role === 'manager A' ? managerA : fixtures[staffBusiness(role)!].account;
  const staff = new StaffClient(system.backend.url);
  const login = await staff.login(account.email, account.password);
  if (login.status !== 200) throw new Error(`${role} could not sign in: ${login.status}`);
  return { role, staff, bearer: null };
}

describe('tenant isolation', () => {
  it('answers every role x route x business with the exact status', async () => {
    const mismatches: string[] = [];
    let cells = 0;
    for (const route of ROUTES) {
      for (const role of ROLES) {
        for (const owner of OWNERS) {
          // A fresh session per cell: signing in or out in one cell must not change another.
          const caller = await callerFor(role);
          const answer = await route.request(caller, fixtures[owner]);
          const expected = route.expected(role, owner);
          cells += 1;
          if (answer.status !== expected) mismatches.push(`${role} ${route.name} on ${owner}: expected ${expected}, got ${answer.status}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(cells).toBe(ROUTES.length * ROLES.length * OWNERS.length);
    // A sign-in (scrypt) per cell: minutes of CPU on a loaded 2-core machine.
  }, 120_000);

  it("answers another business's call exactly like a call that does not exist", async () => {
    const caller = await callerFor('staff A');
    for (const suffix of ['', '/recording']) {
      const other = await send(caller, 'GET', `/api/calls/${fixtures.B.callId}${suffix}`);
      const missing = await send(caller, 'GET', `/api/calls/${randomUUID()}${suffix}`);
      const malformed = await send(caller, 'GET', `/api/calls/not-a-call-id${suffix}`);
      expect(other).toEqual(missing);
      expect(malformed).toEqual(missing);
      expect(missing).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: 'no such call' } },
        contentType: 'application/json; charset=utf-8',
      });
    }
  });

  it('lists, shows and streams only the own business', async () => {
    for (const role of ['staff A', 'staff B'] as const) {
      const own = fixtures[staffBusiness(role)!];
      const caller = await callerFor(role);
      const list = await send(caller, 'GET', '/api/calls');
      expect((list.body as { calls: { id: string }[] }).calls.map((call) => call.id)).toEqual([own.callId]);
      const session = await send(caller, 'GET', '/api/session');
      expect((session.body as { business: { id: string } }).business.id).toBe(own.businessId);
      const recording = await caller.staff!.bytes(`/api/calls/${own.callId}/recording`);
      expect(recording.body.toString()).toBe(`RIFF-recording-of-${staffBusiness(role)}`);
    }
  });

  it('tells which credential is missing: staff routes want a session, admin routes the operator token', async () => {
    const operator = await send(await callerFor('operator'), 'GET', '/api/calls');
    expect(operator.body).toEqual({ error: { code: 'unauthenticated', message: 'sign in first' } });
    const staff = await send(await callerFor('staff A'), 'GET', '/admin/api/businesses');
    expect(staff.body).toEqual({ error: { code: 'unauthorized', message: 'missing or invalid bearer token' } });
    const manager = await send(await callerFor('manager A'), 'GET', '/api/staff');
    expect((manager.body as { staff: { email: string }[] }).staff.map((user) => user.email)).toEqual([
      'manager@a.example',
      'staff@a.example',
    ]);
    const plain = await send(await callerFor('staff A'), 'GET', '/api/staff');
    expect(plain.body).toEqual({ error: { code: 'forbidden', message: 'only managers see the staff accounts' } });
  });
});
