// A business's integrations through the whole system: the real backend and
// gateway, PostgreSQL, the ARI/Deepgram/OpenAI fakes, and on 127.0.0.1 a
// webhook receiver that checks signatures, an HTTP tool service and an MCP
// server built from the SDK's own classes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FakeMcpServer, FakeToolServer, FakeWebhookReceiver } from '../fakes/integrations/index.js';
import { CleanupStack } from '../kit/cleanup-stack.js';
import { finalCallRow } from '../kit/calls.js';
import { waitFor } from '../kit/wait.js';
import { addHttpTool, addMcpServer, addWebhookEndpoint } from '../support/integrations.js';
import { FIRST_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';

const VOICED_RMS = 300;
const PUBLIC_URL = 'https://console.example.test';
/** Short retry delays: the retry schedule is the same code, only faster. */
const FAST_WEBHOOKS = {
  WEBHOOK_RETRY_MIN_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_POLL_MS: '200',
  WEBHOOK_CALL_ENDED_DELAY_MS: '300',
  PUBLIC_URL,
};
const ORDER_SCHEMA = { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] };

let cleanup = new CleanupStack();
beforeEach(() => {
  cleanup = new CleanupStack();
});
afterEach(() => cleanup.releaseAll());

async function startSystem(allowPrivateNetworks: boolean): Promise<AiSystem> {
  const flag = { INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: String(allowPrivateNetworks) };
  const ai = await startAiSystem({ transferTarget: null, gatewayEnv: flag, system: { backendEnv: { ...FAST_WEBHOOKS, ...flag } } });
  cleanup.add('the system', () => ai.stop());
  return ai;
}

async function start<T extends { close(): Promise<void> }>(what: string, started: Promise<T>): Promise<T> {
  const fake = await started;
  cleanup.add(what, () => fake.close());
  return fake;
}

/** Places a call, waits for the greeting, and has the caller say `text`. */
async function callerSays(ai: AiSystem, text: string): Promise<{ channelId: string; mediaId: string }> {
  const call = await placeBridgedCall(ai);
  await turnWhere(ai, call.channelId, (t) => t.seq === 0, 'the greeting turn');
  ai.deepgram.queueTranscripts([text]);
  ai.system.fake.startCallerAudio(call.mediaId, { payload: FIRST_UTTERANCE });
  return call;
}

function toolMessages(body: unknown): { tool_call_id: string; content: string }[] {
  return (body as { messages: { role: string; tool_call_id: string; content: string }[] }).messages.filter((m) => m.role === 'tool');
}

describe('integrations', () => {
  it('a call uses an HTTP tool and an MCP tool with a filler while they run; its webhooks arrive signed, in order, retried after two failures', async () => {
    const ai = await startSystem(true);
    const receiver = await start('the webhook receiver', FakeWebhookReceiver.start());
    const tools = await start('the tool service', FakeToolServer.start());
    const mcp = await start(
      'the MCP server',
      FakeMcpServer.start({ token: 'mcp-bearer-0123456789', tools: [{ name: 'book_slot', description: 'Books a slot.', input: { day: z.string() }, run: (args) => ({ text: `Booked for ${String(args.day)} at 10:00.` }) }] }),
    );
    const { prisma } = ai.system;
    const endpoint = await addWebhookEndpoint(prisma, ai.businessId, receiver.url);
    receiver.useSecret(endpoint.secret);
    receiver.failNext(2);
    const tool = await addHttpTool(prisma, ai.businessId, { name: 'lookup_order', description: 'Finds an order by its number.', parameters: ORDER_SCHEMA, url: tools.url('/orders') });
    tools.useSecret(tool.secret);
    tools.respond((request) => ({ body: { order: request.json?.arguments?.order_id, status: 'shipped' } }));
    await addMcpServer(prisma, ai.businessId, { name: 'calendar', url: mcp.url, token: mcp.token });
    const release = tools.hold();
    cleanup.add('the held tool request', () => release());

    ai.openai.queueReplies(
      { toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'A-17' } }, { name: 'book_slot', arguments: { day: 'friday' } }] },
      { text: 'Your order A-17 has shipped, and you are booked for Friday at ten. Goodbye!', toolCalls: [{ name: 'end_call', arguments: {} }] },
    );
    const { channelId, mediaId } = await callerSays(ai, 'Where is my order A-17, and can I come on Friday?');

    // Both tools were offered next to the built-in ones.
    await ai.openai.waitFor(() => ai.openai.chatRequests().length > 0, { what: 'the first chat request' });
    const offered = ai.openai.chatRequests()[0]!;
    const names = (offered.body as { tools: { function: { name: string } }[] }).tools.map((t) => t.function.name);
    expect(names).toEqual(expect.arrayContaining(['end_call', 'take_message', 'lookup_order', 'book_slot']));

    // While the HTTP tool is held, the caller hears a filler instead of silence.
    await tools.waitFor(() => tools.requests[0], { what: 'the HTTP tool request', timeoutMs: 15_000 });
    const voicedBefore = ai.system.fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS).length;
    await waitFor(() => ai.system.fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS).length >= voicedBefore + 5 || null, {
      what: 'filler audio while the tool runs',
      timeoutMs: 10_000,
    });
    expect(tools.requests[0]?.answered).toBe(false);
    release();

    const row = await finalCallRow(prisma, channelId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup' });
    expect(tools.requests).toHaveLength(1);
    expect(tools.requests[0]).toMatchObject({ verified: true, json: { tool: 'lookup_order', arguments: { order_id: 'A-17' }, call: { id: row.id } } });
    expect(mcp.calls).toEqual([{ tool: 'book_slot', arguments: { day: 'friday' } }]);

    // The model got both results back.
    const second = ai.openai.chatRequests()[1]!;
    expect(toolMessages(second.body).map((m) => m.content).sort()).toEqual(['Booked for friday at 10:00.', '{"order":"A-17","status":"shipped"}']);

    // The turn that called them stores the arguments and results.
    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text.startsWith('Your order A-17'), 'the answer turn');
    const records = (answer.toolCalls as { name: string; source: string; ok: boolean; arguments: string; result: string }[]).sort((a, b) => a.name.localeCompare(b.name));
    expect(records).toMatchObject([
      { name: 'book_slot', source: 'mcp', ok: true, arguments: '{"day":"friday"}', result: 'Booked for friday at 10:00.' },
      { name: 'lookup_order', source: 'http', ok: true, arguments: '{"order_id":"A-17"}', result: '{"order":"A-17","status":"shipped"}' },
    ]);

    // Webhooks: call.started failed twice and was retried (same id, fresh timestamps), then call.ended followed.
    await receiver.waitFor(() => receiver.accepted().find((hook) => hook.json?.type === 'call.ended'), { what: 'call.ended to be delivered', timeoutMs: 20_000 });
    expect(receiver.received.every((hook) => hook.verified)).toBe(true);
    expect(receiver.received.map((hook) => [hook.json?.type, hook.status])).toEqual([
      ['call.started', 500],
      ['call.started', 500],
      ['call.started', 204],
      ['call.ended', 204],
    ]);
    const startedIds = new Set(receiver.received.slice(0, 3).map((hook) => hook.id));
    expect(startedIds.size).toBe(1);
    const started = receiver.received[2]!.json!;
    expect(started).toMatchObject({ version: 1, type: 'call.started', businessId: ai.businessId, data: { callId: row.id, from: '+15551230000', to: '+19863334949' } });
    const ended = receiver.received[3]!.json!;
    expect(ended.id).toBe(receiver.received[3]!.id);
    expect(ended.data).toMatchObject({ callId: row.id, outcome: 'completed', hangupCause: 'agent_hangup', durationMs: row.durationMs });
    const transcript = ended.data!.transcript as { role: string; text: string }[];
    expect(transcript).toEqual(expect.arrayContaining([
      expect.objectContaining({ role: 'caller', text: 'Where is my order A-17, and can I come on Friday?' }),
    ]));
    // The worker records an outcome after the receiver answered: wait for the record.
    const deliveries = await waitFor(async () => {
      const rows = await prisma.webhookDelivery.findMany({ include: { event: true }, orderBy: { createdAt: 'asc' } });
      return rows.length === 2 && rows.every((d) => d.status !== 'pending') ? rows : null;
    }, { what: 'both deliveries recorded as done' });
    expect(deliveries.map((d) => [d.event.type, d.status, d.attempts, d.lastStatusCode])).toEqual([
      ['call.started', 'delivered', 3, 204],
      ['call.ended', 'delivered', 1, 204],
    ]);

    // The recording link is signed and expires; the backend serves it, and refuses an altered one.
    const recording = ended.data!.recording as { url: string; expiresAt: string };
    expect(recording.url.startsWith(`${PUBLIC_URL}/recordings/${row.id}?expires=`)).toBe(true);
    const local = recording.url.replace(PUBLIC_URL, ai.system.backend.url);
    const wav = await fetch(local);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await wav.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('RIFF');
    const altered = await fetch(local.replace(/expires=(\d+)/, (_m, n: string) => `expires=${Number(n) + 60}`));
    expect(altered.status).toBe(403);
  });

  it('a tool that does not answer in time: the model is told and explains; the turn records the failure', async () => {
    const ai = await startSystem(true);
    const tools = await start('the tool service', FakeToolServer.start());
    const tool = await addHttpTool(ai.system.prisma, ai.businessId, { name: 'lookup_order', parameters: ORDER_SCHEMA, url: tools.url('/orders'), timeoutMs: 500 });
    tools.useSecret(tool.secret);
    const release = tools.hold();
    cleanup.add('the held tool request', () => release());
    ai.openai.queueReplies({ toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'B-2' } }] }, { text: 'Sorry, I cannot look that up right now.' });
    const { channelId } = await callerSays(ai, 'Where is order B-2?');

    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Sorry, I cannot look that up right now.', 'the apology turn');
    expect(answer.toolCalls).toMatchObject([{ name: 'lookup_order', source: 'http', ok: false, result: 'no answer within 500 ms' }]);
    const told = toolMessages(ai.openai.chatRequests()[1]!.body);
    expect(told).toHaveLength(1);
    expect(told[0]!.content).toMatch(/^The tool failed: no answer within 500 ms\./);
    await tools.waitFor(() => tools.requests[0]?.aborted === true || null, { what: 'the tool service to see the request abandoned' });
  });

  it('refuses private destinations unless the operator allows them: a webhook and a tool on the loopback reach nothing', async () => {
    const ai = await startSystem(false);
    const receiver = await start('the webhook receiver', FakeWebhookReceiver.start());
    const tools = await start('the tool service', FakeToolServer.start());
    const { prisma } = ai.system;
    // Stored straight into the database (the console refuses such URLs when saved): the check at delivery time must hold too.
    const endpoint = await addWebhookEndpoint(prisma, ai.businessId, `http://localhost:${receiver.port}/hooks`);
    receiver.useSecret(endpoint.secret);
    const tool = await addHttpTool(prisma, ai.businessId, { name: 'lookup_order', parameters: ORDER_SCHEMA, url: tools.url('/orders') });
    tools.useSecret(tool.secret);
    ai.openai.queueReplies({ toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'C-3' } }] }, { text: 'I could not reach the order system.' });
    const { channelId } = await callerSays(ai, 'Where is order C-3?');

    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'I could not reach the order system.', 'the answer turn');
    expect(answer.toolCalls).toMatchObject([{ name: 'lookup_order', ok: false, result: 'destination refused: the URL is not allowed: 127.0.0.1 is a private, loopback or reserved address' }]);

    const refused = await waitFor(
      async () => (await prisma.webhookDelivery.findFirst({ where: { attempts: { gte: 1 } }, include: { event: true } })) ?? null,
      { what: 'a refused webhook attempt', timeoutMs: 15_000 },
    );
    expect(refused.event.type).toBe('call.started');
    expect(refused.status).toBe('pending');
    expect(refused.lastStatusCode).toBeNull();
    expect(refused.lastError).toMatch(/^destination refused: localhost resolves to (127\.0\.0\.1|::1), a private, loopback or reserved address$/);
    expect(receiver.received).toHaveLength(0);
    expect(tools.requests).toHaveLength(0);
  });
});
