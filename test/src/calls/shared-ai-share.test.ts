// The gradual rollout's shared blocks against PostgreSQL: two routers on one
// database stand for two backend replicas. Calls of one business spread over
// both, even all at once, are split exactly per 100; a new share starts a new
// block; without the database a replica goes on choosing on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { SharedAiShareRouter } from '../../../src/calls/shared-ai-share.js';
import { AiShareRouter, seededRandom, shuffledBlock, type RouteChoice } from '../../../src/calls/ai-share-router.js';
import { createDb, type Db } from '../../../src/db/index.js';
import { CleanupStack } from '../../kit/cleanup-stack.js';
import { createTestDatabase } from '../../support/db.js';
import { captureLogs } from '../../support/log-capture.js';
import { createBusiness } from '../../kit/calls.js';

const cleanup = new CleanupStack();
let db: Db;
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanup.add('the test database', () => database.drop());
  db = createDb(database.url);
  cleanup.add('the database client', () => db.close());
}, 60_000);
afterAll(() => cleanup.releaseAll());

const agents = (choices: RouteChoice[]) => choices.filter((choice) => choice === 'agent').length;

describe('SharedAiShareRouter', () => {
  it('is exact per 100 calls of a business spread over two replicas, even when they all arrive at once', async () => {
    const businessId = await createBusiness(db.prisma, 'Shared rollout', ['+19863336001']);
    const replicas = [new SharedAiShareRouter({ prisma: db.prisma, logger: silent }), new SharedAiShareRouter({ prisma: db.prisma, logger: silent })];
    // The first 100 at once, then the next 100 at once, alternating replicas.
    for (let block = 0; block < 2; block += 1) {
      const choices = await Promise.all(Array.from({ length: 100 }, (_, index) => replicas[index % 2]!.choose(businessId, 50)));
      expect(agents(choices)).toBe(50);
    }
    expect(await db.prisma.aiShareBlock.findUnique({ where: { businessId } })).toMatchObject({ share: 50, position: 99 });
  });

  it('orders a block at random, the same for every replica, and starts a new block with a new seed', async () => {
    const businessId = await createBusiness(db.prisma, 'Shared order', ['+19863336002']);
    // Offered with every call (used only when a block starts): each block gets another seed.
    let seed = 10;
    const router = new SharedAiShareRouter({ prisma: db.prisma, logger: silent, newSeed: () => (seed += 1) });
    const first: RouteChoice[] = [];
    for (let index = 0; index < 100; index += 1) first.push(await router.choose(businessId, 30));
    expect(agents(first)).toBe(30);
    expect(agents(first.slice(0, 30))).toBeLessThan(30);
    const second: RouteChoice[] = [];
    for (let index = 0; index < 100; index += 1) second.push(await router.choose(businessId, 30));
    expect(agents(second)).toBe(30);
    expect(second).not.toEqual(first);
    // Any replica derives a block's order from its seed alone.
    const row = await db.prisma.aiShareBlock.findUniqueOrThrow({ where: { businessId } });
    expect(row.seed).toBe(111);
    expect(second).toEqual(shuffledBlock(30, seededRandom(111)));
  });

  it('starts a new block when the share changes, and never touches the row at 0 and 100 %', async () => {
    const businessId = await createBusiness(db.prisma, 'Shared change', ['+19863336003']);
    const router = new SharedAiShareRouter({ prisma: db.prisma, logger: silent });
    for (let index = 0; index < 37; index += 1) await router.choose(businessId, 50);
    const next: RouteChoice[] = [];
    for (let index = 0; index < 100; index += 1) next.push(await router.choose(businessId, 80));
    expect(agents(next)).toBe(80);
    expect(await router.choose(businessId, 100)).toBe('agent');
    expect(await router.choose(businessId, 0)).toBe('human');
    expect(await db.prisma.aiShareBlock.findUnique({ where: { businessId } })).toMatchObject({ share: 80, position: 99 });
  });

  it('chooses on its own (exact over its own calls) when the database does not answer, and says so', async () => {
    const database = await createTestDatabase();
    const lost = createDb(database.url);
    await database.drop();
    const logs = captureLogs();
    const router = new SharedAiShareRouter({ prisma: lost.prisma, logger: logs.logger, fallback: new AiShareRouter() });
    try {
      const choices: RouteChoice[] = [];
      for (let index = 0; index < 100; index += 1) choices.push(await router.choose('8d1e7c1e-3a6f-4c59-9a39-1f7b0c2d4e5f', 40));
      expect(agents(choices)).toBe(40);
      expect(logs.entries('the shared AI share block could not be advanced; this replica chooses on its own').length).toBeGreaterThan(0);
    } finally {
      await lost.close();
    }
  });
});
