// A business's managers place outbound calls and keep its do-not-call list from
// the staff API; staff members cannot, and nobody reaches another business's list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../../support/test-system.js';
import { StaffClient, createStaffAccount } from '../../support/staff-api.js';
import { createBusiness } from '../../kit/calls.js';

let system: TestSystem;
let businessA: string;
let businessB: string;
let manager: StaffClient;
let member: StaffClient;

async function loggedIn(businessId: string, email: string, role: 'staff' | 'manager'): Promise<StaffClient> {
  const account = await createStaffAccount(system.prisma, businessId, { email, role });
  const client = new StaffClient(system.backend.url);
  expect((await client.login(account.email, account.password)).status).toBe(200);
  return client;
}

beforeAll(async () => {
  system = await startSystem();
  await system.waitReady();
  businessA = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  businessB = await createBusiness(system.prisma, 'Other Clinic', ['+19863334950']);
  for (const id of [businessA, businessB]) {
    await system.prisma.business.update({ where: { id }, data: { outboundWindowStart: '00:00', outboundWindowEnd: '00:00', outboundDays: 'sun,mon,tue,wed,thu,fri,sat' } });
  }
  manager = await loggedIn(businessA, 'maria@acme.example', 'manager');
  member = await loggedIn(businessA, 'sam@acme.example', 'staff');
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('outbound calls from the staff API', () => {
  it("a manager places a call for their own business, recorded as theirs", async () => {
    system.fake.setCallee(/@twilio-out$/, { kind: 'ring' });
    const answer = await manager.request('POST', '/api/outbound-calls', { body: { to: '+15557654321', purpose: { instructions: 'Confirm the appointment.' } } });
    expect(answer.status).toBe(202);
    const { callId } = answer.body as { callId: string };
    const row = await system.prisma.callLog.findUniqueOrThrow({ where: { id: callId } });
    expect(row).toMatchObject({ businessId: businessA, direction: 'outbound', fromNumber: '+19863334949', toNumber: '+15557654321' });
    expect(row.requestedBy).toMatch(/^staff:[0-9a-f-]{36}$/);
  });

  it('a staff member may not, and a request without the CSRF header is refused', async () => {
    const refused = await member.request('POST', '/api/outbound-calls', { body: { to: '+15557654322', purpose: { instructions: 'Hi.' } } });
    expect(refused.status).toBe(403);
    const noCsrf = await manager.request('POST', '/api/outbound-calls', { body: { to: '+15557654322', purpose: { instructions: 'Hi.' } }, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(await system.prisma.callLog.count({ where: { toNumber: '+15557654322' } })).toBe(0);
  });

  it("keeps the business's do-not-call list, which blocks calls to its numbers only", async () => {
    expect((await manager.request('POST', '/api/do-not-call', { body: { e164: '+15557650001', reason: 'asked us' } })).status).toBe(201);
    expect((await manager.request('GET', '/api/do-not-call')).body).toMatchObject({ numbers: [{ e164: '+15557650001', reason: 'asked us' }] });
    const blocked = await manager.request('POST', '/api/outbound-calls', { body: { to: '+15557650001', purpose: { instructions: 'Hi.' } } });
    expect(blocked).toMatchObject({ status: 403, body: { error: { code: 'do_not_call' } } });
    // Another business's list is its own.
    expect(await system.prisma.doNotCall.count({ where: { businessId: businessB } })).toBe(0);
    expect((await member.request('GET', '/api/do-not-call')).status).toBe(403);
    expect((await manager.request('DELETE', '/api/do-not-call/+15557650001')).status).toBe(204);
    expect((await manager.request('GET', '/api/do-not-call')).body).toEqual({ numbers: [] });
  });
});
