// Two backend replicas in this process, one Asterisk node (the ARI fake), one
// database: exactly one replica holds the node's lease and its ARI socket; a
// holder that can no longer prove its lease closes the socket at once and the
// other takes over, adopting the call in progress; a replica that stops hands
// its node over rather than ending the calls. Every replica serves the gateway's
// reports, the staff console's live view and one shared sign-in quota. An
// adopted call continues the trace its first holder began (the row keeps it).
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../../src/backend.js';
import { loadConfig } from '../../../src/config.js';
import { createDb, type Db } from '../../../src/db/index.js';
import { FakeAsterisk } from '../../fakes/ari/index.js';
import { finalCallRow, placeBridgedCall } from '../../kit/calls.js';
import { freePort } from '../../kit/ports.js';
import { waitFor, waitUntil } from '../../kit/wait.js';
import { GATEWAY_TOKEN } from '../../support/test-system.js';
import { createTestDatabase } from '../../support/db.js';
import { captureLogs, type LogCapture } from '../../support/log-capture.js';
import { ARI_PASSWORD, backendEnv, createBusiness, startGateway } from '../../support/test-system.js';
import { createStaffAccount, StaffClient } from '../../support/staff-api.js';

const DIALED = '+19863334949';
const REPLACED_LOG = 'another process registered the same ARI application name; not reconnecting while it holds it';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Keeps every span a replica ends, also after the replica stopped (an exporter forgets them at shutdown). */
class SpanCollector implements SpanProcessor {
  readonly ended: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Pair {
  fake: FakeAsterisk;
  db: Db;
  logs: LogCapture;
  replicas: Backend[];
  /** The spans each replica ended, by replica id. */
  spans: Map<string, SpanCollector>;
  start(replicaId: string): Promise<Backend>;
}

async function twoReplicas(): Promise<Pair> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const db = createDb(database.url);
  cleanups.push(() => db.close());
  const fake = await FakeAsterisk.start({ password: ARI_PASSWORD, autoCallerAudio: true });
  cleanups.push(() => fake.close());
  const logs = captureLogs();
  const gateway = await startGateway(logs.logger);
  cleanups.push(() => gateway.close());
  await createBusiness(db.prisma, 'Acme Dental', [DIALED]);
  const replicas: Backend[] = [];
  const spans = new Map<string, SpanCollector>();
  const start = async (replicaId: string): Promise<Backend> => {
    const port = await freePort();
    const env = backendEnv({
      ariUrl: fake.url,
      databaseUrl: database.url,
      gatewayUrl: `http://127.0.0.1:${gateway.http.port}`,
      extra: {
        BACKEND_REPLICA_ID: replicaId,
        PORT: String(port),
        BACKEND_ADVERTISE_URL: `http://127.0.0.1:${port}`,
        LEASE_POLL_MS: '100',
        LEASE_PROOF_INTERVAL_MS: '100',
        LEASE_PROOF_TIMEOUT_MS: '1000',
      },
    });
    const collector = new SpanCollector();
    spans.set(replicaId, collector);
    const backend = await startBackend(loadConfig(env), logs.logger.child({ replica: replicaId }), { spanProcessors: [collector] });
    cleanups.push(() => backend.stop());
    replicas.push(backend);
    return backend;
  };
  await start('r1');
  await waitUntil(() => fake.isRegistered() && replicas[0]!.ari.status.state === 'connected', { what: 'the first replica to hold the node' });
  await start('r2');
  return { fake, db, logs, replicas, spans, start };
}

/** The span `name` of call `callId` a replica ended. */
function callSpan(pair: Pair, replicaId: string, name: string, callId: string): ReadableSpan {
  const found = pair.spans.get(replicaId)!.ended.filter((span) => span.name === name && span.attributes['call.id'] === callId);
  expect(found, `${replicaId}: ${name}`).toHaveLength(1);
  return found[0]!;
}

/**
 * The call's row keeps the trace the first replica began, and the replica that
 * adopted the call continued it: its span is a child of the original call span,
 * and so are the spans of its setup steps before.
 */
async function expectOneTrace(pair: Pair, channelId: string, adoptedBy: string): Promise<void> {
  const row = (await pair.db.prisma.callLog.findUnique({ where: { channelId } }))!;
  const original = callSpan(pair, 'r1', 'call', row.id);
  const adopted = callSpan(pair, adoptedBy, 'call adopted', row.id);
  const { traceId, spanId } = original.spanContext();
  expect(row.traceParent).toBe(`00-${traceId}-${spanId}-01`);
  expect(adopted.spanContext().traceId).toBe(traceId);
  expect(adopted.parentSpanContext?.spanId).toBe(spanId);
  const setup = pair.spans.get('r1')!.ended.filter((span) => span.name.startsWith('setup '));
  expect(setup.length).toBeGreaterThan(0);
  for (const span of setup) expect(span.spanContext().traceId).toBe(traceId);
}

function holder(pair: Pair): Backend | undefined {
  return pair.replicas.find((replica) => replica.nodes[0]!.role === 'owner');
}

async function readyBody(backend: Backend) {
  const response = await fetch(`${backend.url}/ready`);
  return { status: response.status, body: (await response.json()) as { checks: { ari: { detail: { nodes: { owner: string }[] } } } } };
}

describe('one node, two replicas', () => {
  it('lets exactly one replica register the app; the other stands by, ready to serve', async () => {
    const pair = await twoReplicas();
    const [first, second] = pair.replicas as [Backend, Backend];
    // The second replica looked at the leases and found the node held.
    await waitUntil(async () => (await readyBody(second)).body.checks.ari.detail.nodes[0]?.owner === 'another replica', {
      what: 'the second replica to see the node held by the first',
    });
    expect((await readyBody(second)).status).toBe(200);
    expect((await readyBody(first)).body.checks.ari.detail.nodes[0]?.owner).toBe('this replica');
    expect(second.ari.status.state).toBe('idle');
    expect(pair.fake.openSocketCount()).toBe(1);
    // The same, as Prometheus scrapes it (with the internal token).
    const scrape = async (backend: Backend, token = GATEWAY_TOKEN) =>
      fetch(`${backend.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(await (await scrape(first)).text()).toContain('prosaas_node_owned{node="asterisk"} 1');
    const secondMetrics = await (await scrape(second)).text();
    expect(secondMetrics).toContain('prosaas_node_owned{node="asterisk"} 0');
    expect(secondMetrics).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect((await scrape(second, 'not-the-token-0000')).status).toBe(401);
    expect(pair.fake.requests.filter((r) => r.kind === 'events-ws')).toHaveLength(1);
  });

  it('closes the holder\'s socket at once when its lock connection dies; the other replica takes over and adopts the call', async () => {
    const pair = await twoReplicas();
    const [first, second] = pair.replicas as [Backend, Backend];
    const call = await placeBridgedCall(pair.fake, { from: '+15551230000', to: DIALED });
    await waitUntil(async () => (await pair.db.prisma.callLog.findUnique({ where: { channelId: call.channelId } }))?.mediaSessionId != null, {
      what: 'the connected row',
    });
    await pair.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prosaas-lease/r1'`);
    await waitUntil(() => first.nodes[0]!.role === 'standby' && first.calls.activeCalls === 0, { what: 'the first replica to let the node go' });
    await waitUntil(() => second.nodes[0]!.role === 'owner' && second.ari.status.state === 'connected' && second.calls.activeCalls === 1, {
      what: 'the second replica to hold the node and the call',
    });
    // Never two sockets on the app: nobody was told ApplicationReplaced.
    expect(pair.logs.entries(REPLACED_LOG)).toEqual([]);
    expect(pair.logs.entries('node lease lost; closing its ARI socket and leaving its calls to the next holder')).toHaveLength(1);
    expect(pair.fake.channel(call.channelId)).toMatchObject({ live: true, inStasis: true });
    pair.fake.hangupCaller(call.channelId);
    expect(await finalCallRow(pair.db.prisma, call.channelId)).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup' });
    await waitUntil(() => pair.fake.channels().length === 0 && pair.fake.bridges().length === 0, { what: 'everything released' });
    await waitUntil(() => second.calls.activeCalls === 0, { what: 'the adopted call to end on the second replica' });
    await expectOneTrace(pair, call.channelId, 'r2');
    expect(pair.fake.violations).toEqual([]);
  });

  it('hands the node over when the holder stops, so that its calls go on', async () => {
    const pair = await twoReplicas();
    const [first, second] = pair.replicas as [Backend, Backend];
    await waitUntil(async () => (await readyBody(second)).body.checks.ari.detail.nodes[0]?.owner === 'another replica', {
      what: 'the second replica to see the first',
    });
    const call = await placeBridgedCall(pair.fake, { from: '+15551230000', to: DIALED });
    await waitUntil(async () => (await pair.db.prisma.callLog.findUnique({ where: { channelId: call.channelId } }))?.mediaSessionId != null, {
      what: 'the connected row',
    });
    await first.stop();
    await waitUntil(() => second.nodes[0]!.role === 'owner' && second.ari.status.state === 'connected' && second.calls.activeCalls === 1, {
      what: 'the second replica to take the node and the call over',
    });
    expect(pair.logs.entries('handing the nodes over to the other replicas')).toHaveLength(1);
    const row = await pair.db.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
    expect(row?.status).toBe('answered');
    expect(pair.fake.channel(call.channelId)?.live).toBe(true);
    pair.fake.hangupCaller(call.channelId);
    expect(await finalCallRow(pair.db.prisma, call.channelId)).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup' });
    expect(holder(pair)).toBe(second);
    expect(pair.logs.entries(REPLACED_LOG)).toEqual([]);
    await waitUntil(() => second.calls.activeCalls === 0, { what: 'the adopted call to end on the second replica' });
    await expectOneTrace(pair, call.channelId, 'r2');
  });

  it('stores the gateway\'s reports on any replica and forwards its actions to the one holding the call', async () => {
    const pair = await twoReplicas();
    const [, second] = pair.replicas as [Backend, Backend];
    const call = await placeBridgedCall(pair.fake, { from: '+15551230000', to: DIALED });
    const row = await waitFor(async () => {
      const found = await pair.db.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
      return found?.mediaSessionId ? found : null;
    }, { what: 'the connected row' });
    const post = (path: string, body: unknown) =>
      fetch(`${second.url}/internal/calls/${row.id}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const turn = await post('turns', { seq: 0, role: 'agent', text: 'Hello.', startedAt: new Date().toISOString(), endedAt: null, interrupted: false, latency: null });
    expect(turn.status).toBe(204);
    expect(await pair.db.prisma.callTurn.count({ where: { callId: row.id } })).toBe(1);
    const action = await post('actions', { type: 'hangup', reason: 'agent_goodbye' });
    expect(action.status).toBe(200);
    expect(await action.json()).toEqual({ ok: true, message: null });
    expect(await finalCallRow(pair.db.prisma, call.channelId)).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup' });
    expect(pair.fake.channel(call.channelId)?.hungUpBy).toBe('app');
    // A forwarded action is never forwarded again, and an unknown call is unknown everywhere.
    const unknown = await fetch(`${second.url}/internal/calls/00000000-0000-4000-8000-000000000999/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'hangup', reason: 'agent_goodbye' }),
    });
    expect(unknown.status).toBe(404);
  });
});

describe('what every replica serves', () => {
  it('shows a call held by one replica live on the other one\'s console, and counts sign-in failures once for all', async () => {
    const pair = await twoReplicas();
    const [first, second] = pair.replicas as [Backend, Backend];
    const business = await pair.db.prisma.business.findFirstOrThrow();
    const account = await createStaffAccount(pair.db.prisma, business.id, { email: 'front@acme.example' });
    const staff = new StaffClient(second.url);
    expect((await staff.login(account.email, account.password)).status).toBe(200);

    const call = await placeBridgedCall(pair.fake, { from: '+15551230000', to: DIALED });
    expect(holder(pair)).toBe(first);
    await waitUntil(async () => ((await staff.request('GET', '/api/live')).body as { calls: { status: string }[] }).calls.some((c) => c.status === 'answered'), {
      what: 'the second replica to list the first one\'s call as live',
    });
    pair.fake.hangupCaller(call.channelId);
    await waitUntil(async () => ((await staff.request('GET', '/api/live')).body as { calls: unknown[] }).calls.length === 0, {
      what: 'the call to leave the second replica\'s live list',
    });

    // Five failures through one replica: the sixth try through the other is refused too.
    const guesser = new StaffClient(first.url);
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await guesser.login(account.email, 'wrong password')).status).toBe(401);
    const elsewhere = await new StaffClient(second.url).login(account.email, account.password);
    expect(elsewhere.status).toBe(429);
    expect(Number(elsewhere.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
