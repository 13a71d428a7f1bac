// A call's business tools against the integration fakes on 127.0.0.1: an
// HTTP tool signed and answered, an MCP tool through the SDK's own server,
// arguments checked against the schema before anything is sent, timeouts,
// and the SSRF guard refusing loopback destinations unless allowed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { newSigningSecret } from '../../../media/contract/standard-webhooks.js';
import type { HttpToolDefinition, McpServerDefinition } from '../../../media/contract/sessions.js';
import { createCallToolsFactory } from '../../../media/tools/tool-runtime.js';
import type { CallTools } from '../../../media/tools/call-tools.js';
import { FakeMcpServer, FakeToolServer } from '../../fakes/integrations/index.js';
import { sessionRequest } from '../../support/doubles/session-request.js';
import { CleanupStack } from '../../kit/cleanup-stack.js';

const SILENT = pino({ level: 'silent' });
const BUILT_IN = ['end_call', 'take_message'];
const ORDER_SCHEMA = { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false };

let cleanup = new CleanupStack();
beforeEach(() => {
  cleanup = new CleanupStack();
});
afterEach(() => cleanup.releaseAll());

async function toolServer(): Promise<{ fake: FakeToolServer; secret: string }> {
  const fake = await FakeToolServer.start();
  cleanup.add('the tool server', () => fake.close());
  const secret = newSigningSecret();
  fake.useSecret(secret);
  return { fake, secret };
}

async function mcpServer(run: (args: Record<string, unknown>) => Promise<{ text: string }> | { text: string } = (args) => ({ text: `Booked for ${String(args.day)}.` })): Promise<FakeMcpServer> {
  const fake = await FakeMcpServer.start({
    token: 'mcp-token-0123456789',
    tools: [
      { name: 'book_slot', description: 'Books an appointment slot.', input: { day: z.string() }, run },
      { name: 'end_call', description: 'A clash with a built-in tool.', input: {}, run: () => ({ text: 'never' }) },
    ],
  });
  cleanup.add('the MCP server', () => fake.close());
  return fake;
}

function tools(request: ReturnType<typeof sessionRequest>, allowPrivateNetworks = true): CallTools {
  const factory = createCallToolsFactory({ allowPrivateNetworks, requireHttps: false });
  const callTools = factory(request, BUILT_IN, SILENT);
  cleanup.add('the call tools', () => callTools.close());
  return callTools;
}

function withTools(http: HttpToolDefinition[], mcp: McpServerDefinition[] = []) {
  return { ...sessionRequest(), tools: { http, mcp } };
}

describe('business tools of a call', () => {
  it('calls an HTTP tool with signed JSON and gives its answer to the model', async () => {
    const { fake, secret } = await toolServer();
    fake.respond((request) => ({ body: { status: 'shipped', order: request.json?.arguments?.order_id } }));
    const call = tools(withTools([{ name: 'lookup_order', description: 'Finds an order.', parameters: ORDER_SCHEMA, url: fake.url(), method: 'POST', secret, timeoutMs: 2_000 }]));
    await call.prepare(new AbortController().signal);
    expect(call.specs().map((spec) => spec.name)).toEqual(['lookup_order']);
    const run = await call.execute('call_1', 'lookup_order', { order_id: 'A-17' }, new AbortController().signal);
    expect(run.outcome).toEqual({ ok: true, content: '{"status":"shipped","order":"A-17"}' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', verified: true, json: { version: 1, tool: 'lookup_order', arguments: { order_id: 'A-17' }, call: { from: '+15551230000' } } });
    expect(run.record).toMatchObject({ id: 'call_1', name: 'lookup_order', source: 'http', ok: true, arguments: '{"order_id":"A-17"}' });
  });

  it('sends GET arguments in the query string, signed over an empty body', async () => {
    const { fake, secret } = await toolServer();
    fake.respond(() => ({ body: 'open 9 to 5' }));
    const call = tools(withTools([{ name: 'hours', description: 'Opening hours.', parameters: { type: 'object', properties: { day: { type: 'string' } } }, url: fake.url('/hours'), method: 'GET', secret, timeoutMs: 2_000 }]));
    const run = await call.execute('call_2', 'hours', { day: 'monday' }, new AbortController().signal);
    expect(run.outcome).toEqual({ ok: true, content: 'open 9 to 5' });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', url: '/hours?day=monday', verified: true, body: '' });
  });

  it('refuses arguments that do not match the schema without calling the service', async () => {
    const { fake, secret } = await toolServer();
    const call = tools(withTools([{ name: 'lookup_order', description: 'Finds an order.', parameters: ORDER_SCHEMA, url: fake.url(), method: 'POST', secret, timeoutMs: 2_000 }]));
    const run = await call.execute('call_3', 'lookup_order', { order: 5 }, new AbortController().signal);
    expect(run.outcome.ok).toBe(false);
    expect(run.message).toMatch(/^The tool failed: invalid arguments: .*order_id/);
    expect(fake.requests).toHaveLength(0);
  });

  it('gives up on a tool after its timeout and says so to the model', async () => {
    const { fake, secret } = await toolServer();
    const release = fake.hold();
    cleanup.add('the held request', () => release());
    const call = tools(withTools([{ name: 'slow', description: 'Slow.', parameters: { type: 'object' }, url: fake.url(), method: 'POST', secret, timeoutMs: 500 }]));
    const run = await call.execute('call_4', 'slow', {}, new AbortController().signal);
    expect(run.outcome).toEqual({ ok: false, error: 'no answer within 500 ms' });
    await fake.waitFor(() => fake.requests[0]?.aborted === true || null, { what: 'the service to see the request abandoned' });
  });

  it('says what an error answer was', async () => {
    const { fake, secret } = await toolServer();
    fake.respond(() => ({ status: 503, body: 'maintenance' }));
    const call = tools(withTools([{ name: 'down', description: 'Down.', parameters: { type: 'object' }, url: fake.url(), method: 'POST', secret, timeoutMs: 2_000 }]));
    const run = await call.execute('call_5', 'down', {}, new AbortController().signal);
    expect(run.outcome).toEqual({ ok: false, error: 'the service answered HTTP 503: maintenance' });
  });

  it('refuses a loopback destination unless the operator allows private networks', async () => {
    const { fake, secret } = await toolServer();
    const definition = { name: 'internal', description: 'Internal.', parameters: { type: 'object' }, url: fake.url(), method: 'POST' as const, secret, timeoutMs: 2_000 };
    const byAddress = await tools(withTools([definition]), false).execute('call_6', 'internal', {}, new AbortController().signal);
    expect(byAddress.outcome).toEqual({ ok: false, error: 'destination refused: the URL is not allowed: 127.0.0.1 is a private, loopback or reserved address' });
    const byName = await tools(withTools([{ ...definition, url: `http://localhost:${fake.port}/tool` }]), false).execute('call_7', 'internal', {}, new AbortController().signal);
    expect(byName.outcome.ok).toBe(false);
    expect(byName.outcome.ok ? '' : byName.outcome.error).toMatch(/^destination refused: localhost resolves to (127\.0\.0\.1|::1), a private, loopback or reserved address$/);
    expect(fake.requests).toHaveLength(0);
  });

  it('lists an MCP server’s tools with its token, renames a clash with a built-in, and calls one', async () => {
    const mcp = await mcpServer();
    const server = { id: '00000000-0000-4000-8000-0000000000a1', name: 'calendar', url: mcp.url, token: mcp.token, timeoutMs: 2_000 };
    const call = tools(withTools([], [server]));
    await call.prepare(new AbortController().signal);
    expect(call.specs().map((spec) => spec.name).sort()).toEqual(['book_slot', 'calendar_end_call']);
    const run = await call.execute('call_8', 'book_slot', { day: 'friday' }, new AbortController().signal);
    expect(run.outcome).toEqual({ ok: true, content: 'Booked for friday.' });
    expect(run.record).toMatchObject({ source: 'mcp', name: 'book_slot', ok: true });
    expect(mcp.calls).toEqual([{ tool: 'book_slot', arguments: { day: 'friday' } }]);
    await call.close();
    await mcp.waitFor(() => mcp.sessionsClosed === 1 || null, { what: 'the MCP session to be ended' });
  });

  it('reuses an MCP server’s tool list across calls within the TTL', async () => {
    const mcp = await mcpServer();
    const server = { id: '00000000-0000-4000-8000-0000000000a2', name: 'calendar', url: mcp.url, token: mcp.token, timeoutMs: 2_000 };
    const factory = createCallToolsFactory({ allowPrivateNetworks: true, requireHttps: false });
    for (const id of ['call_a', 'call_b']) {
      const call = factory(withTools([], [server]), BUILT_IN, SILENT);
      await call.prepare(new AbortController().signal);
      expect(call.specs().map((spec) => spec.name), id).toContain('book_slot');
      await call.close();
    }
    expect(mcp.listed).toBe(1);
  });

  it('offers no tools of an MCP server that refuses the token, and the call goes on', async () => {
    const mcp = await mcpServer();
    const server = { id: '00000000-0000-4000-8000-0000000000a3', name: 'calendar', url: mcp.url, token: 'wrong-token-0123456789', timeoutMs: 2_000 };
    const call = tools(withTools([], [server]));
    await call.prepare(new AbortController().signal);
    expect(call.specs()).toEqual([]);
    expect(mcp.refused).toBeGreaterThan(0);
  });

  it('times out an MCP tool that does not answer', async () => {
    let release = (): void => {};
    const mcp = await mcpServer(() => new Promise((resolve) => (release = () => resolve({ text: 'late' }))));
    cleanup.add('the held MCP tool', () => release());
    const server = { id: '00000000-0000-4000-8000-0000000000a4', name: 'calendar', url: mcp.url, token: mcp.token, timeoutMs: 600 };
    const call = tools(withTools([], [server]));
    await call.prepare(new AbortController().signal);
    const run = await call.execute('call_9', 'book_slot', { day: 'monday' }, new AbortController().signal);
    expect(run.outcome).toEqual({ ok: false, error: 'no answer within 600 ms' });
  });
});
