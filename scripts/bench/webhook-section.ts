// Webhook delivery through the real outbox and worker, on a scratch
// PostgreSQL, to a signature-checking receiver on 127.0.0.1:
// - drain: a backlog of N call.started events (one per call, so ordering
//   never holds one back), delivered by one worker, then by two workers on
//   their own connection pools (two backend replicas sharing the queue with
//   FOR UPDATE SKIP LOCKED): deliveries per second, and no event twice;
// - latency: one event at a time committed with an idle worker running, from
//   the commit to the receiver's answer (the worker is woken by the commit,
//   as the call log's writes wake it in the backend).
// Every request is checked against the endpoint's secret; a bad signature
// fails the section.
import { join } from 'node:path';
import { pino } from 'pino';
import { newSigningSecret } from '../../media/contract/standard-webhooks.js';
import { createDb, type Db } from '../../src/db/index.js';
import { insertOutboxEvent } from '../../src/integrations/webhook-outbox.js';
import { eventId } from '../../src/integrations/webhook-events.js';
import { WebhookWorker } from '../../src/integrations/webhook-worker.js';
import { FakeWebhookReceiver } from '../../test/fakes/integrations/webhook-receiver.js';
import { createBusiness } from '../../test/kit/calls.js';
import { startScratchDatabase } from '../../test/kit/scratch-database.js';
import { waitUntil } from '../../test/kit/wait.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';

const POLICY = { allowPrivateNetworks: true, requireHttps: false };

interface Setup {
  readonly businessId: string;
  readonly receiver: FakeWebhookReceiver;
}

function worker(db: Db, wake: { nudge?: () => void }): WebhookWorker {
  const instance = new WebhookWorker({
    prisma: db.prisma,
    logger: pino({ level: 'silent' }),
    policy: POLICY,
    timeoutMs: 10_000,
    retryMinMs: 1_000,
    retryMaxMs: 10_000,
    maxAgeMs: 3_600_000,
    pollMs: 1_000,
    links: { publicUrl: undefined, secret: 'bench-recording-link-secret-0123456789', ttlMs: 60_000 },
  });
  wake.nudge = () => instance.nudge();
  return instance;
}

/** `count` calls with their call.started events and deliveries, committed in batches; returns the commit times by event id. */
async function queueEvents(db: Db, setup: Setup, count: number, label: string): Promise<Map<string, number>> {
  const committed = new Map<string, number>();
  const BATCH = 50;
  for (let first = 0; first < count; first += BATCH) {
    const size = Math.min(BATCH, count - first);
    const ids: string[] = [];
    await db.prisma.$transaction(async (tx) => {
      for (let n = first; n < first + size; n += 1) {
        const call = await tx.callLog.create({
          data: { businessId: setup.businessId, channelId: `bench-${label}-${n}`, direction: 'inbound', fromNumber: '+15551230000', toNumber: '+19863334949', status: 'ringing' },
        });
        const id = eventId('call.started', call.id);
        await insertOutboxEvent(tx, { id, businessId: setup.businessId, type: 'call.started', callId: call.id, occurredAt: call.createdAt, rank: 0, data: { callId: call.id } }, 0);
        ids.push(id);
      }
    }, { timeout: 60_000 });
    const at = Date.now();
    for (const id of ids) committed.set(id, at);
  }
  return committed;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function drain(context: BenchContext, dbs: readonly Db[], setup: Setup, count: number, label: string): Promise<number> {
  await queueEvents(dbs[0]!, setup, count, label);
  const before = setup.receiver.accepted().length;
  const workers = dbs.map((db) => worker(db, {}));
  const startedMs = performance.now();
  for (const each of workers) each.start();
  try {
    await waitUntil(() => setup.receiver.accepted().length - before >= count, { what: `${count} deliveries (${label})`, timeoutMs: 600_000, intervalMs: 10 });
    // Stopping aborts attempts under way (they are sent again later): wait until every outcome is recorded.
    await waitUntil(async () => (await dbs[0]!.prisma.webhookDelivery.count({ where: { status: 'pending' } })) === 0, { what: `the outcomes recorded (${label})`, timeoutMs: 60_000, intervalMs: 10 });
  } finally {
    await Promise.all(workers.map((each) => each.stop()));
  }
  const seconds = (performance.now() - startedMs) / 1000;
  const rate = Math.round(count / seconds);
  context.print(`  ${label}: ${count} deliveries in ${seconds.toFixed(2)} s = ${rate}/s`);
  return rate;
}

export const webhookSection: BenchSection = {
  name: 'webhooks',
  title: 'Webhook delivery (outbox, worker, signature-checking receiver)',
  async run(context: BenchContext): Promise<SectionFields> {
    const quick = context.options.quick;
    const database = await startScratchDatabase({ databaseUrl: process.env.DATABASE_URL, embeddedDir: join(context.tempRoot, 'webhooks-postgres') });
    context.cleanup.add('the webhook bench database', () => database.close());
    const first = createDb(database.url);
    const second = createDb(database.url);
    context.cleanup.add('the webhook bench connections', async () => {
      await Promise.all([first.close(), second.close()]);
    });
    const receiver = await FakeWebhookReceiver.start();
    context.cleanup.add('the webhook receiver', () => receiver.close());
    context.print(`  ${database.description}`);

    const businessId = await createBusiness(first.prisma, 'Bench Co', ['+19863334949']);
    const secret = newSigningSecret();
    await first.prisma.webhookEndpoint.create({ data: { businessId, url: receiver.url, events: ['call.started'], secret } });
    receiver.useSecret(secret);
    const setup: Setup = { businessId, receiver };

    const backlog = quick ? 500 : 3_000;
    const oneWorker = await drain(context, [first], setup, backlog, 'one worker');
    const twoWorkers = await drain(context, [first, second], setup, backlog, 'two workers (two replicas)');

    // Commit to receipt, one event at a time, the worker idle in between.
    const wake: { nudge?: () => void } = {};
    const idle = worker(first, wake);
    idle.start();
    const latencies: number[] = [];
    try {
      const samples = quick ? 50 : 200;
      for (let n = 0; n < samples; n += 1) {
        const [queued] = [...(await queueEvents(first, setup, 1, `latency-${n}`))];
        const [id, committedAt] = queued!;
        wake.nudge?.();
        const hook = await receiver.waitFor(() => receiver.accepted().find((received) => received.id === id), { what: 'the event', timeoutMs: 30_000 });
        latencies.push(hook.receivedAt - committedAt);
      }
    } finally {
      await idle.stop();
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    context.print(`  commit to receipt (${latencies.length} events, one at a time): p50 ${p50} ms, p99 ${p99} ms`);

    const unverified = receiver.received.filter((hook) => !hook.verified).length;
    const ids = receiver.accepted().map((hook) => hook.id);
    const duplicates = ids.length - new Set(ids).size;
    context.print(`  every request verified: ${unverified === 0 ? 'yes' : `no (${unverified} did not)`}; events received twice: ${duplicates}`);
    if (unverified > 0 || duplicates > 0) throw new Error(`${unverified} unverified request(s), ${duplicates} duplicate(s)`);
    return {
      webhooks_backlog: backlog,
      webhooks_per_s_one_worker: oneWorker,
      webhooks_per_s_two_workers: twoWorkers,
      webhooks_commit_to_receipt_p50_ms: p50,
      webhooks_commit_to_receipt_p99_ms: p99,
    };
  },
};
