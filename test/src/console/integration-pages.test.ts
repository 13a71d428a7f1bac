// The managers' integration pages over real HTTP against the real backend,
// PostgreSQL and delivery worker, with a signature-checking webhook receiver
// on 127.0.0.1 (private destinations allowed, as an operator may): adding an
// endpoint shows its secret once asked, the delivery log shows a failure and
// "send again" brings the same event to the receiver, signed; tools and MCP
// servers are added through their forms, refused input is explained with
// what was typed kept, and staff who are not managers see none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWebhookReceiver } from '../../fakes/integrations/index.js';
import { waitFor } from '../../kit/wait.js';
import { StaffClient, createStaffAccount, insertCall, type StaffAccount } from '../../support/staff-api.js';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';

let system: TestSystem;
let receiver: FakeWebhookReceiver;
let businessId: string;
let dana: StaffAccount;
let mia: StaffAccount;
let manager: StaffClient;

async function signIn(account: StaffAccount): Promise<StaffClient> {
  const staff = new StaffClient(system.backend.url);
  expect((await staff.login(account.email, account.password)).status).toBe(200);
  return staff;
}

async function get(staff: StaffClient, path: string): Promise<{ status: number; text: string; location: string | null }> {
  const response = await fetch(`${system.backend.url}${path}`, { headers: { cookie: staff.cookie!, accept: 'text/html' }, redirect: 'manual' });
  return { status: response.status, text: await response.text(), location: response.headers.get('location') };
}

async function post(staff: StaffClient, path: string, fields: Record<string, string>, options: { csrf?: boolean } = {}): Promise<{ status: number; location: string | null; text: string; cache: string | null }> {
  const response = await fetch(`${system.backend.url}${path}`, {
    method: 'POST',
    headers: { cookie: staff.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(options.csrf === false ? fields : { csrf: staff.csrfToken!, ...fields }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), text: await response.text(), cache: response.headers.get('cache-control') };
}

function shownSecret(page: string): string {
  const match = /<code id="shown-secret">(whsec_[A-Za-z0-9+/=]+)<\/code>/.exec(page);
  if (!match) throw new Error('the page shows no secret');
  return match[1]!;
}

const ALL_EVENTS = { 'ev_call_started': 'on', 'ev_call_ended': 'on', 'ev_message_taken': 'on', 'ev_call_transferred': 'on' };

beforeAll(async () => {
  receiver = await FakeWebhookReceiver.start();
  system = await startSystem({ backendEnv: { INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_MS: '200', WEBHOOK_RETRY_MIN_MS: '50', WEBHOOK_RETRY_MAX_MS: '200' } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  dana = await createStaffAccount(system.prisma, businessId, { email: 'dana@acme.example', password: 'dana-password-1234', displayName: 'Dana' });
  mia = await createStaffAccount(system.prisma, businessId, { email: 'mia@acme.example', password: 'mia-password-12345', role: 'manager', displayName: 'Mia' });
  manager = await signIn(mia);
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
});

describe('who sees the integrations', () => {
  it('shows them to managers only, and refuses a form without its CSRF token', async () => {
    const staff = await signIn(dana);
    expect((await get(staff, '/dashboard')).text).not.toContain('href="/integrations"');
    expect((await get(manager, '/dashboard')).text).toContain('href="/integrations"');
    for (const path of ['/integrations/webhooks', '/integrations/deliveries', '/integrations/tools']) {
      expect((await get(staff, path)).status).toBe(403);
      expect((await get(manager, path)).status).toBe(200);
    }
    expect((await post(staff, '/integrations/webhooks', { url: receiver.url, ...ALL_EVENTS, enabled: 'on' })).status).toBe(403);
    expect((await post(manager, '/integrations/webhooks', { url: receiver.url, ...ALL_EVENTS, enabled: 'on' }, { csrf: false })).status).toBe(403);
    expect(await system.prisma.webhookEndpoint.count()).toBe(0);
    expect((await get(manager, '/integrations')).location).toBe('/integrations/webhooks');
  });

  it('answers another business’s endpoint, tool, server and delivery like ones that do not exist', async () => {
    const otherId = await createBusiness(system.prisma, 'Other Co', ['+19863330000']);
    const endpoint = await system.prisma.webhookEndpoint.create({ data: { businessId: otherId, url: 'https://other.example/hooks', events: ['call.ended'], secret: 'whsec_b3RoZXItYnVzaW5lc3Mtc2VjcmV0LTEyMzQ1Njc4OTA=' } });
    const tool = await system.prisma.httpTool.create({ data: { businessId: otherId, name: 'other_tool', description: 'x', parameters: { type: 'object' }, url: 'https://other.example/t', secret: 'whsec_b3RoZXItdG9vbC1zZWNyZXQtMTIzNDU2Nzg5MDEy' } });
    const server = await system.prisma.mcpServer.create({ data: { businessId: otherId, name: 'other', url: 'https://other.example/mcp', token: 'other-token' } });
    await system.prisma.webhookEvent.create({ data: { id: 'msg_other_business', businessId: otherId, type: 'call.started', occurredAt: new Date(), data: {} } });
    const delivery = await system.prisma.webhookDelivery.create({ data: { eventId: 'msg_other_business', endpointId: endpoint.id, status: 'failed', nextAttemptAt: new Date() } });
    for (const path of [
      `/integrations/webhooks/${endpoint.id}/secret`,
      `/integrations/webhooks/${endpoint.id}/rotate`,
      `/integrations/webhooks/${endpoint.id}/delete`,
      `/integrations/tools/${tool.id}/secret`,
      `/integrations/tools/${tool.id}/delete`,
      `/integrations/mcp/${server.id}/delete`,
      `/integrations/deliveries/${delivery.id}/resend`,
      '/integrations/webhooks/not-a-uuid/delete',
    ]) {
      const answer = await post(manager, path, {});
      expect(answer.status, path).toBe(404);
      expect(answer.text, path).not.toContain('whsec_b3RoZXI');
    }
    expect((await get(manager, `/integrations/deliveries?endpoint=${endpoint.id}`)).text).not.toContain('msg_other_business');
    expect(await system.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({ secret: endpoint.secret, previousSecret: null });
    expect(await system.prisma.webhookDelivery.count({ where: { eventId: 'msg_other_business' } })).toBe(1);
    expect(await system.prisma.httpTool.count({ where: { id: tool.id } })).toBe(1);
    expect(await system.prisma.mcpServer.count({ where: { id: server.id } })).toBe(1);
  });
});

describe('webhooks', () => {
  it('explains a refused endpoint and keeps what was typed', async () => {
    const refused = await post(manager, '/integrations/webhooks', { url: 'ftp://files.example.com/in', description: 'Our <CRM>', ev_call_ended: 'on', enabled: 'on' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Not saved: URL must start with https://.');
    expect(refused.text).toContain('value="Our &lt;CRM&gt;"');
    expect(refused.text).toMatch(/id="add-ev_call_ended" name="ev_call_ended" type="checkbox" value="on" checked/);
    expect(refused.text).not.toMatch(/id="add-ev_call_started" name="ev_call_started" type="checkbox" value="on" checked/);
  });

  it('adds an endpoint, shows its secret on request, and sends a failed event again, signed, with the same id', async () => {
    const added = await post(manager, '/integrations/webhooks', { url: receiver.url, description: 'CRM', ...ALL_EVENTS, enabled: 'on' });
    expect(added.status).toBe(200);
    expect(added.cache).toBe('no-store');
    const secret = shownSecret(added.text);
    const endpoint = await system.prisma.webhookEndpoint.findFirstOrThrow({ where: { businessId } });
    expect(endpoint).toMatchObject({ url: receiver.url, secret, events: ['call.started', 'call.ended', 'message.taken', 'call.transferred'] });
    const list = await get(manager, '/integrations/webhooks');
    expect(list.text).toContain(receiver.url);
    expect(list.text).not.toContain(secret);
    expect(shownSecret((await post(manager, `/integrations/webhooks/${endpoint.id}/secret`, {})).text)).toBe(secret);
    receiver.useSecret(secret);

    // A delivery that gave up (the receiver was down for a day).
    await system.prisma.webhookEvent.create({ data: { id: 'msg_gave_up_once', businessId, type: 'call.started', occurredAt: new Date(), data: { callId: null } } });
    const failed = await system.prisma.webhookDelivery.create({
      data: { eventId: 'msg_gave_up_once', endpointId: endpoint.id, status: 'failed', attempts: 12, nextAttemptAt: new Date(), lastStatusCode: 503, lastError: 'HTTP 503: maintenance' },
    });
    const log = await get(manager, '/integrations/deliveries?status=failed');
    expect(log.text).toContain('HTTP 503: maintenance');
    expect(log.text).toContain(`action="/integrations/deliveries/${failed.id}/resend"`);

    const again = await post(manager, `/integrations/deliveries/${failed.id}/resend`, {});
    expect([again.status, again.location]).toEqual([303, '/integrations/deliveries?done=sent-again']);
    const hook = await receiver.waitFor(() => receiver.accepted().find((received) => received.id === 'msg_gave_up_once'), { what: 'the event sent again' });
    expect(hook.json).toMatchObject({ version: 1, id: 'msg_gave_up_once', type: 'call.started', businessId });
    await waitFor(() => system.prisma.webhookDelivery.findFirst({ where: { eventId: 'msg_gave_up_once', status: 'delivered' } }), { what: 'the new delivery marked delivered' });
    const delivered = await get(manager, '/integrations/deliveries?status=delivered');
    expect(delivered.text).toContain('msg_gave_up_once');
    expect(delivered.text).toContain('<span class="badge badge-ok">Delivered</span>');
    const actions = (await system.prisma.auditEvent.findMany({ where: { businessId }, orderBy: { createdAt: 'asc' } })).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook_endpoint_added', 'webhook_secret_viewed', 'webhook_sent_again']));
  });

  it('rotates a secret from the page: the new one and the previous one are shown, and both sign', async () => {
    const endpoint = await system.prisma.webhookEndpoint.findFirstOrThrow({ where: { businessId } });
    const rotated = await post(manager, `/integrations/webhooks/${endpoint.id}/rotate`, {});
    expect(rotated.status).toBe(200);
    const secret = shownSecret(rotated.text);
    expect(secret).not.toBe(endpoint.secret);
    expect(rotated.text).toContain(endpoint.secret);
    // The receiver switches to the new secret; a new event verifies with it.
    receiver.useSecret(secret);
    await system.prisma.webhookEvent.create({ data: { id: 'msg_after_rotation', businessId, type: 'call.started', occurredAt: new Date(), data: {} } });
    await system.prisma.webhookDelivery.create({ data: { eventId: 'msg_after_rotation', endpointId: endpoint.id, nextAttemptAt: new Date() } });
    const hook = await receiver.waitFor(() => receiver.received.find((received) => received.id === 'msg_after_rotation'), { what: 'the event after the rotation' });
    expect(hook.verified).toBe(true);
    expect(hook.signature?.split(' ')).toHaveLength(2);
  });
});

describe('tools', () => {
  const tool = (fields: Record<string, string> = {}) => ({
    name: 'lookup_order',
    description: 'Finds an order by its number.',
    parameters: '{"type":"object","properties":{"order_id":{"type":"string"}}}',
    url: 'https://tools.acme.example/orders',
    method: 'POST',
    timeoutMs: '4000',
    enabled: 'on',
    ...fields,
  });

  it('refuses an invalid schema with the problem, what was typed kept', async () => {
    const refused = await post(manager, '/integrations/tools', tool({ parameters: '{"type":"object", oops' }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Not saved: the arguments&#39; JSON Schema is not valid JSON');
    expect(refused.text).toContain('{&quot;type&quot;:&quot;object&quot;, oops</textarea>');
    expect(refused.text).toContain('value="lookup_order"');
    expect(await system.prisma.httpTool.count({ where: { businessId } })).toBe(0);
  });

  it('adds a tool with a large schema, shows its secret, and lists it', async () => {
    const properties = Object.fromEntries(Array.from({ length: 120 }, (_, n) => [`field_${n}`, { type: 'string', description: `The caller's answer number ${n}` }]));
    const schema = JSON.stringify({ type: 'object', properties });
    expect(schema.length).toBeGreaterThan(8 * 1024);
    const added = await post(manager, '/integrations/tools', tool({ parameters: schema }));
    expect(added.status).toBe(200);
    const secret = shownSecret(added.text);
    const stored = await system.prisma.httpTool.findFirstOrThrow({ where: { businessId } });
    expect(stored).toMatchObject({ name: 'lookup_order', method: 'POST', timeoutMs: 4000, secret, parameters: { type: 'object', properties } });
    const page = await get(manager, '/integrations/tools');
    expect(page.text).toContain('<code>POST https://tools.acme.example/orders</code>');
    expect(page.text).not.toContain(secret);
    const changed = await post(manager, `/integrations/tools/${stored.id}`, tool({ method: 'GET', timeoutMs: '2500', enabled: '' }));
    expect([changed.status, changed.location]).toEqual([303, '/integrations/tools?done=tool-saved']);
    expect(await system.prisma.httpTool.findUniqueOrThrow({ where: { id: stored.id } })).toMatchObject({ method: 'GET', timeoutMs: 2500, enabled: false });
    expect((await post(manager, `/integrations/tools/${stored.id}/delete`, {})).location).toBe('/integrations/tools?done=tool-deleted');
    expect(await system.prisma.httpTool.count({ where: { businessId } })).toBe(0);
  });

  it('adds an MCP server whose token is never shown again', async () => {
    const added = await post(manager, '/integrations/mcp', { name: 'calendar', url: 'https://mcp.acme.example/mcp', token: 'bearer-token-0123456789', timeoutMs: '3000', enabled: 'on' });
    expect([added.status, added.location]).toEqual([303, '/integrations/tools?done=mcp-saved']);
    const page = await get(manager, '/integrations/tools');
    expect(page.text).toContain('<code>calendar</code>');
    expect(page.text).not.toContain('bearer-token-0123456789');
    const server = await system.prisma.mcpServer.findFirstOrThrow({ where: { businessId } });
    expect(server.token).toBe('bearer-token-0123456789');
    const kept = await post(manager, `/integrations/mcp/${server.id}`, { name: 'calendar', url: 'https://mcp.acme.example/v2', token: '', timeoutMs: '3000', enabled: 'on' });
    expect(kept.status).toBe(303);
    expect(await system.prisma.mcpServer.findUniqueOrThrow({ where: { id: server.id } })).toMatchObject({ url: 'https://mcp.acme.example/v2', token: 'bearer-token-0123456789' });
    const taken = await post(manager, '/integrations/mcp', { name: 'calendar', url: 'https://mcp.acme.example/other', timeoutMs: '3000', enabled: 'on' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Not saved: the name calendar is already used.');
  });
});

describe('a call’s tool calls', () => {
  it('shows what the agent asked a tool and what it got, on the call’s page and in the API', async () => {
    const callId = await insertCall(system.prisma, businessId, { createdAt: new Date(Date.now() - 600_000), turns: ['Hello.', 'Where is order A-17?', 'It has <shipped>.'] });
    const tools = [
      { id: 'call_1', name: 'lookup_order', source: 'http', arguments: '{"order_id":"A-17"}', ok: true, result: '{"status":"<shipped>"}', durationMs: 142 },
      { id: 'call_2', name: 'calendar_book', source: 'mcp', arguments: '{"day":"friday"}', ok: false, result: 'the tool did not answer within 3000 ms', durationMs: 3001 },
    ];
    await system.prisma.callTurn.updateMany({ where: { callId, seq: 2 }, data: { toolCalls: tools } });
    const staff = await signIn(dana);
    const page = await get(staff, `/calls/${callId}`);
    expect(page.text).toContain('Used <code>lookup_order</code>');
    expect(page.text).toContain('<code>{&quot;order_id&quot;:&quot;A-17&quot;}</code>');
    expect(page.text).toContain('<code>{&quot;status&quot;:&quot;&lt;shipped&gt;&quot;}</code>');
    expect(page.text).toContain('Tried <code>calendar_book</code> (MCP) <span class="badge badge-bad">Failed</span>');
    expect(page.text).toContain('the tool did not answer within 3000 ms');
    const api = await staff.request('GET', `/api/calls/${callId}`);
    const turns = (api.body as { turns: { seq: number; tools?: unknown[] }[] }).turns;
    expect(turns.map((turn) => turn.tools?.length ?? 0)).toEqual([0, 0, 2]);
    expect(turns[2]!.tools![0]).toEqual({ name: 'lookup_order', source: 'http', arguments: '{"order_id":"A-17"}', ok: true, result: '{"status":"<shipped>"}', durationMs: 142 });
  });
});
