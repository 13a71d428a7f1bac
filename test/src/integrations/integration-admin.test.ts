// A manager's changes to the business's integrations, against the real
// PostgreSQL: what is refused (SSRF destinations, plain http in production,
// bad schemas and names) stores nothing; secrets rotate with an overlap in
// which both sign; send again queues the same event once; another business's
// rows are invisible; the audit log names what changed and never a secret,
// a token or a URL's path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/index.js';
import { ApiError } from '../../../src/http/errors.js';
import { BUILT_IN_TOOL_NAMES } from '../../../src/integrations/business-tools.js';
import type { ChangeContext } from '../../../src/integrations/integration-input.js';
import { createIntegrationServices, type IntegrationServices } from '../../../src/integrations/integration-services.js';
import { loadSessionTools } from '../../../src/integrations/session-tools.js';
import { WEBHOOK_SECRET_OVERLAP_MS } from '../../../src/integrations/webhook-endpoints.js';
import { WebhookQueue } from '../../../src/integrations/webhook-queue.js';
import { AuditLog } from '../../../src/staff/audit-log.js';
import { TOOL_NAMES } from '../../../media/conversation/conversation-tools.js';
import { isSigningSecret } from '../../../media/contract/standard-webhooks.js';
import type { Resolver } from '../../../media/contract/outbound-guard.js';
import { createBusiness } from '../../kit/calls.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

/** Names resolved without DNS: public, private, and one that does not exist. */
const ADDRESSES: Readonly<Record<string, string>> = {
  'hooks.acme.example': '93.184.216.34',
  'tools.acme.example': '93.184.216.35',
  'intranet.acme.example': '10.0.0.5',
  localhost: '127.0.0.1',
};
const resolver: Resolver = (host) => {
  const address = ADDRESSES[host];
  if (!address) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  return Promise.resolve([{ address, family: 4 }]);
};

let database: TestDatabase;
let db: Db;
let services: IntegrationServices;
let queued = 0;
let acme: ChangeContext;
let other: ChangeContext;

const refused = async (promise: Promise<unknown>, code: ApiError['code'], text: RegExp) => {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(code);
  expect((error as ApiError).message).toMatch(text);
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  services = createIntegrationServices({
    prisma: db.prisma,
    audit: new AuditLog(db.prisma),
    policy: { outbound: { allowPrivateNetworks: false, requireHttps: true }, resolver },
    onQueued: () => {
      queued += 1;
    },
  });
  const actor = { kind: 'staff' as const, id: null, label: 'mia@acme.example' };
  acme = { businessId: await createBusiness(db.prisma, 'Acme Dental', ['+19863334949']), actor, ip: '198.51.100.7' };
  other = { businessId: await createBusiness(db.prisma, 'Other Co', ['+19863330000']), actor, ip: null };
}, 60_000);

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const endpoint = (url: string, events: string[] = ['call.started', 'call.ended']) => ({ url, description: 'CRM', events, enabled: true });

describe('webhook endpoints', () => {
  it('refuses destinations a request must never reach, and stores nothing', async () => {
    const { webhooks } = services;
    await refused(webhooks.create(acme, endpoint('http://hooks.acme.example/in')), 'bad_request', /^URL must use https:\/\//);
    await refused(webhooks.create(acme, endpoint('https://127.0.0.1/in')), 'bad_request', /127\.0\.0\.1 is a private, loopback or reserved address/);
    await refused(webhooks.create(acme, endpoint('https://169.254.169.254/latest/meta-data')), 'bad_request', /reserved address/);
    await refused(webhooks.create(acme, endpoint('https://localhost/in')), 'bad_request', /localhost resolves to 127\.0\.0\.1/);
    await refused(webhooks.create(acme, endpoint('https://intranet.acme.example/in')), 'bad_request', /resolves to 10\.0\.0\.5/);
    await refused(webhooks.create(acme, endpoint('https://nowhere.acme.example/in')), 'bad_request', /does not resolve/);
    await refused(webhooks.create(acme, endpoint('https://user:pw@hooks.acme.example/in')), 'bad_request', /user name or password/);
    await refused(webhooks.create(acme, endpoint('https://hooks.acme.example/in', [])), 'bad_request', /at least one event/);
    await refused(webhooks.create(acme, endpoint('https://hooks.acme.example/in', ['call.exploded'])), 'bad_request', /unknown event type "call.exploded"/);
    expect(await db.prisma.webhookEndpoint.count()).toBe(0);
  });

  it('adds an endpoint with a new secret and records it without the URL’s path', async () => {
    const created = await services.webhooks.create(acme, endpoint('https://hooks.acme.example/in/tok_123', ['call.ended', 'call.started', 'call.ended']));
    expect(isSigningSecret(created.secret)).toBe(true);
    const [view] = await services.webhooks.list(acme.businessId);
    expect(view).toMatchObject({ id: created.id, url: 'https://hooks.acme.example/in/tok_123', events: ['call.started', 'call.ended'], enabled: true, previousSecretUntil: null });
    const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'webhook_endpoint_added' } });
    expect(audit).toMatchObject({ businessId: acme.businessId, targetId: created.id, detail: 'https://hooks.acme.example', ip: '198.51.100.7' });
    expect(await services.webhooks.list(other.businessId)).toEqual([]);
    await refused(services.webhooks.get(other.businessId, created.id), 'not_found', /no such webhook endpoint/);
    await refused(services.webhooks.remove(other, created.id), 'not_found', /no such webhook endpoint/);
  });

  it('rotates the secret: both sign during the overlap, the old one alone never again', async () => {
    const { id, secret: first } = await services.webhooks.create(acme, endpoint('https://hooks.acme.example/rotate'));
    const before = Date.now();
    const rotated = await services.webhooks.rotateSecret(acme, id);
    expect(rotated.secret).not.toBe(first);
    expect(rotated.previousSecret).toBe(first);
    expect(rotated.previousSecretUntil!.getTime()).toBeGreaterThanOrEqual(before + WEBHOOK_SECRET_OVERLAP_MS);
    expect(await services.webhooks.revealSecret(acme, id)).toEqual(rotated);
    // What the delivery worker signs with, now and after the overlap.
    const queue = new WebhookQueue(db.prisma);
    const event = await db.prisma.webhookEvent.create({ data: { id: 'msg_rotation', businessId: acme.businessId, type: 'call.started', occurredAt: new Date(), data: {} } });
    const delivery = { id: '00000000-0000-4000-8000-000000000001', eventId: event.id, endpointId: id, attempts: 0, createdAt: new Date() };
    expect((await queue.target(delivery, new Date())).endpoint?.secrets).toEqual([rotated.secret, first]);
    expect((await queue.target(delivery, new Date(rotated.previousSecretUntil!.getTime() + 1))).endpoint?.secrets).toEqual([rotated.secret]);
    const audits = await db.prisma.auditEvent.findMany({ where: { targetId: id }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((entry) => entry.action)).toEqual(['webhook_endpoint_added', 'webhook_secret_rotated', 'webhook_secret_viewed']);
    expect(JSON.stringify(audits)).not.toContain(first.slice(6));
    expect(JSON.stringify(audits)).not.toContain(rotated.secret.slice(6));
  });

  it('changes and deletes an endpoint, its deliveries with it', async () => {
    const { id } = await services.webhooks.create(acme, endpoint('https://hooks.acme.example/change'));
    await refused(services.webhooks.update(acme, id, endpoint('https://127.0.0.1/x')), 'bad_request', /loopback/);
    await services.webhooks.update(acme, id, { url: 'https://tools.acme.example/hooks', description: '', events: ['message.taken'], enabled: false });
    expect(await services.webhooks.get(acme.businessId, id)).toMatchObject({ url: 'https://tools.acme.example/hooks', events: ['message.taken'], enabled: false });
    await services.webhooks.remove(acme, id);
    await refused(services.webhooks.get(acme.businessId, id), 'not_found', /no such/);
  });
});

describe('the delivery log', () => {
  it('sends a failed delivery again once: same event, new delivery due now, audited', async () => {
    const { id: endpointId } = await services.webhooks.create(acme, endpoint('https://hooks.acme.example/log'));
    const event = await db.prisma.webhookEvent.create({ data: { id: 'msg_failed_one', businessId: acme.businessId, type: 'call.ended', occurredAt: new Date(), data: {} } });
    const failed = await db.prisma.webhookDelivery.create({
      data: { eventId: event.id, endpointId, status: 'failed', attempts: 9, nextAttemptAt: new Date(), lastStatusCode: 500, lastError: 'HTTP 500: down' },
    });
    const page = await services.deliveries.list(acme.businessId, { status: 'failed' });
    expect(page.deliveries).toEqual([expect.objectContaining({ id: failed.id, eventId: 'msg_failed_one', type: 'call.ended', status: 'failed', attempts: 9, lastError: 'HTTP 500: down', endpointUrl: 'https://hooks.acme.example/log' })]);
    expect((await services.deliveries.list(other.businessId)).deliveries).toEqual([]);
    await refused(services.deliveries.sendAgain(other, failed.id), 'not_found', /no such delivery/);

    const wokenBefore = queued;
    const again = await services.deliveries.sendAgain(acme, failed.id);
    expect(queued).toBe(wokenBefore + 1);
    const row = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: again } });
    expect(row).toMatchObject({ eventId: 'msg_failed_one', endpointId, status: 'pending', attempts: 0 });
    const [claimed] = await new WebhookQueue(db.prisma).claim(10, 60_000);
    expect(claimed?.id).toBe(again);
    // A double click queues nothing more; nor does a pending delivery's own button.
    await refused(services.deliveries.sendAgain(acme, failed.id), 'conflict', /already queued/);
    await refused(services.deliveries.sendAgain(acme, again), 'conflict', /still being sent/);
    expect(await db.prisma.webhookDelivery.count({ where: { eventId: 'msg_failed_one' } })).toBe(2);
    expect(await db.prisma.auditEvent.count({ where: { action: 'webhook_sent_again', targetId: again } })).toBe(1);
  });
});

describe('HTTP tools', () => {
  const tool = (fields: Partial<Parameters<IntegrationServices['tools']['createHttp']>[1]> = {}) => ({
    name: 'lookup_order',
    description: 'Finds an order by its number.',
    parameters: '{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}',
    url: 'https://tools.acme.example/orders',
    method: 'post',
    timeoutMs: 4000,
    enabled: true,
    ...fields,
  });

  it('keeps the built-in names in step with the gateway’s', () => {
    expect([...BUILT_IN_TOOL_NAMES].sort()).toEqual(Object.values(TOOL_NAMES).sort());
  });

  it('refuses bad names, schemas, methods, timeouts and destinations, storing nothing', async () => {
    const { tools } = services;
    await refused(tools.createHttp(acme, tool({ name: '1lookup' })), 'bad_request', /^name must start with a letter/);
    await refused(tools.createHttp(acme, tool({ name: 'end_call' })), 'bad_request', /built-in/);
    await refused(tools.createHttp(acme, tool({ parameters: '{"type":"object",' })), 'bad_request', /JSON Schema is not valid JSON/);
    await refused(tools.createHttp(acme, tool({ parameters: '{"type":"string"}' })), 'bad_request', /must describe an object/);
    await refused(tools.createHttp(acme, tool({ parameters: '{"type":"object","properties":{"a":{"type":"strin"}}}' })), 'bad_request', /not a valid JSON Schema/);
    await refused(tools.createHttp(acme, tool({ method: 'TRACE' })), 'bad_request', /method must be one of/);
    await refused(tools.createHttp(acme, tool({ timeoutMs: 100 })), 'bad_request', /timeout must be a whole number of milliseconds from 500 to 30000/);
    await refused(tools.createHttp(acme, tool({ timeoutMs: Number.NaN })), 'bad_request', /timeout/);
    await refused(tools.createHttp(acme, tool({ url: 'https://localhost/orders' })), 'bad_request', /resolves to 127\.0\.0\.1/);
    await refused(tools.createHttp(acme, tool({ description: '   ' })), 'bad_request', /description is required/);
    expect(await db.prisma.httpTool.count()).toBe(0);
  });

  it('saves a tool that the next session carries, with a unique name and its own secret', async () => {
    const created = await services.tools.createHttp(acme, tool());
    expect(isSigningSecret(created.secret)).toBe(true);
    await refused(services.tools.createHttp(acme, tool()), 'conflict', /the name lookup_order is already used/);
    await services.tools.createHttp(other, tool());
    expect(await loadSessionTools(db.prisma, acme.businessId)).toEqual({
      http: [
        {
          name: 'lookup_order',
          description: 'Finds an order by its number.',
          parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
          url: 'https://tools.acme.example/orders',
          method: 'POST',
          secret: created.secret,
          timeoutMs: 4000,
        },
      ],
      mcp: [],
    });
    const rotated = await services.tools.rotateHttpSecret(acme, created.id);
    expect(await services.tools.revealHttpSecret(acme, created.id)).toBe(rotated);
    await services.tools.updateHttp(acme, created.id, tool({ enabled: false, method: 'GET' }));
    expect((await loadSessionTools(db.prisma, acme.businessId)).http).toEqual([]);
    await refused(services.tools.removeHttp(other, created.id), 'not_found', /no such tool/);
    const audits = await db.prisma.auditEvent.findMany({ where: { targetId: created.id }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((entry) => entry.action)).toEqual(['tool_added', 'tool_changed', 'webhook_secret_viewed', 'tool_changed']);
    expect(audits[0]!.detail).toBe('lookup_order (POST https://tools.acme.example)');
    expect(JSON.stringify(audits)).not.toContain(rotated.slice(6));
  });
});

describe('MCP servers', () => {
  it('keeps the bearer token unless replaced or removed, and never shows or records it', async () => {
    const { tools } = services;
    await refused(tools.createMcp(acme, { name: 'CRM', url: 'https://tools.acme.example/mcp', token: 't', timeoutMs: 3000, enabled: true }), 'bad_request', /name must start with a lower-case letter/);
    await refused(tools.createMcp(acme, { name: 'crm', url: 'https://tools.acme.example/mcp', token: 'a b', timeoutMs: 3000, enabled: true }), 'bad_request', /bearer token/);
    await refused(tools.createMcp(acme, { name: 'crm', url: 'https://intranet.acme.example/mcp', token: null, timeoutMs: 3000, enabled: true }), 'bad_request', /10\.0\.0\.5/);
    const id = await tools.createMcp(acme, { name: 'crm', url: 'https://tools.acme.example/mcp', token: 'secret-token-1', timeoutMs: 3000, enabled: true });
    expect(await tools.listMcp(acme.businessId)).toEqual([{ id, name: 'crm', url: 'https://tools.acme.example/mcp', hasToken: true, timeoutMs: 3000, enabled: true }]);
    await tools.updateMcp(acme, id, { name: 'crm', url: 'https://tools.acme.example/mcp2', token: null, timeoutMs: 3000, enabled: true });
    expect((await loadSessionTools(db.prisma, acme.businessId)).mcp).toEqual([{ id, name: 'crm', url: 'https://tools.acme.example/mcp2', token: 'secret-token-1', timeoutMs: 3000 }]);
    await tools.updateMcp(acme, id, { name: 'crm', url: 'https://tools.acme.example/mcp2', token: '', timeoutMs: 3000, enabled: true });
    expect((await tools.listMcp(acme.businessId))[0]!.hasToken).toBe(false);
    const audits = await db.prisma.auditEvent.findMany({ where: { targetId: id }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((entry) => entry.detail)).toEqual(['crm (https://tools.acme.example)', 'crm (https://tools.acme.example)', 'crm (https://tools.acme.example), token removed']);
    expect(JSON.stringify(audits)).not.toContain('secret-token-1');
    await tools.removeMcp(acme, id);
    expect(await tools.listMcp(acme.businessId)).toEqual([]);
  });
});
