// Stopping the delivery worker (a backend shutting down): an attempt whose
// answer is on its way is recorded as delivered, not sent again by the next
// replica; an attempt that does not finish within the grace is aborted and
// its lease released, uncounted, for another worker to take at once.
import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningSecret } from '../../../media/contract/standard-webhooks.js';
import { createDb, type Db } from '../../../src/db/index.js';
import { WebhookWorker } from '../../../src/integrations/webhook-worker.js';
import { createBusiness } from '../../kit/calls.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitFor } from '../../kit/wait.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
let db: Db;
let server: http.Server;
let port = 0;
let businessId: string;
const held: { path: string; answer: () => void }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  businessId = await createBusiness(db.prisma, 'Acme Dental', ['+19863334949']);
  server = http.createServer((request, response) => {
    request.resume();
    held.push({
      path: request.url ?? '',
      answer: () => {
        if (!response.headersSent && !response.destroyed) response.writeHead(204).end();
      },
    });
  });
  port = await listenOnLoopback(server);
}, 60_000);

afterAll(async () => {
  for (const request of held) request.answer();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await db?.close();
  await database?.drop();
});

function startWorker(): WebhookWorker {
  const worker = new WebhookWorker({
    prisma: db.prisma,
    logger: pino({ level: 'silent' }),
    policy: { allowPrivateNetworks: true, requireHttps: false },
    timeoutMs: 30_000,
    retryMinMs: 50,
    retryMaxMs: 200,
    maxAgeMs: 3_600_000,
    pollMs: 50,
    links: { publicUrl: undefined, secret: 'recording-link-secret-0123456789abcdef', ttlMs: 60_000 },
  });
  worker.start();
  return worker;
}

async function queued(path: string): Promise<string> {
  const endpoint = await db.prisma.webhookEndpoint.create({ data: { businessId, url: `http://127.0.0.1:${port}${path}`, events: ['call.started'], secret: newSigningSecret() } });
  await db.prisma.webhookEvent.create({ data: { id: `msg_${path.slice(1)}`, businessId, type: 'call.started', occurredAt: new Date(), data: {} } });
  const delivery = await db.prisma.webhookDelivery.create({ data: { eventId: `msg_${path.slice(1)}`, endpointId: endpoint.id, nextAttemptAt: new Date(0) } });
  return delivery.id;
}

describe('stopping the webhook worker', () => {
  it('records an answer that arrives during the grace instead of sending it again later', async () => {
    const id = await queued('/answered');
    const worker = startWorker();
    const request = await waitFor(() => held.find((entry) => entry.path === '/answered'), { what: 'the attempt to reach the receiver' });
    const stopped = worker.stop();
    request.answer();
    await stopped;
    expect(await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204, leaseUntil: null });
  });

  it('aborts an attempt still unanswered after the grace and releases it uncounted', async () => {
    const id = await queued('/silent');
    const worker = startWorker();
    await waitFor(() => held.find((entry) => entry.path === '/silent'), { what: 'the attempt to reach the receiver' });
    await worker.stop();
    expect(await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null });
  });
});
