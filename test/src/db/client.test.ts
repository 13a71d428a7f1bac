import net from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/client.js';
import { CallStatus, TurnRole } from '../../../src/db/index.js';
import { MigrationError, applyMigrations } from '../../../src/db/migrate.js';
import { DbPingTimeoutError } from '../../../src/db/ping-timeout-error.js';
import { isTransientDbError } from '../../../src/db/transient-error.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { freePort as closedPort } from '../../kit/ports.js';

let database: TestDatabase;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await database?.drop();
});

function open(url: string, options: Parameters<typeof createDb>[1] = {}): Db {
  const db = createDb(url, options);
  cleanups.push(() => db.close());
  return db;
}

/** The test database's URL with host and port pointing at `port` on 127.0.0.1. */
function urlVia(port: number): string {
  const url = new URL(database.url);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

async function proxyToDatabase(): Promise<TcpProxy> {
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  cleanups.push(() => proxy.close());
  return proxy;
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and runs `onConnection` on each.
 * hangUp() closes every accepted connection.
 */
async function fakeServer(onConnection: (socket: net.Socket) => void): Promise<{ port: number; hangUp(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    hangUp: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}


function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const business = { name: 'Acme', greeting: 'Hello', systemPrompt: 'Be brief.', voice: 'aura-2-thalia-en' };

describe('createDb', () => {
  it('round-trips models, enums, relations and defaults through the pg adapter', async () => {
    const db = open(database.url);
    const created = await db.prisma.business.create({
      data: { ...business, phoneNumbers: { create: { e164: '+15550000001' } } },
    });
    expect(created).toMatchObject({ timezone: 'UTC', language: 'en', transferTarget: null });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.createdAt).toBeInstanceOf(Date);

    const startedAt = new Date('2026-11-21T10:00:00.123Z');
    const call = await db.prisma.callLog.create({
      data: {
        businessId: created.id,
        channelId: 'chan-round-trip',
        toNumber: '+15550000001',
        status: CallStatus.answered,
        turns: { create: [{ seq: 1, role: TurnRole.caller, text: 'hi', startedAt, sttFinalMs: 120 }] },
      },
    });
    expect(call).toMatchObject({ direction: 'inbound', fromNumber: null, durationMs: null });

    const loaded = await db.prisma.business.findUniqueOrThrow({
      where: { id: created.id },
      include: { phoneNumbers: true, callLogs: { include: { turns: true } } },
    });
    expect(loaded.phoneNumbers.map((number) => number.e164)).toEqual(['+15550000001']);
    expect(loaded.callLogs[0]?.turns[0]).toMatchObject({
      seq: 1,
      role: 'caller',
      text: 'hi',
      startedAt,
      interrupted: false,
      sttFinalMs: 120,
      voiceToVoiceMs: null,
    });
  });

  it('pings, and closes idempotently', async () => {
    const db = open(database.url);
    await expect(db.ping(2_000)).resolves.toBeUndefined();
    await db.close();
    await db.close();
    expect(db.pool.ending).toBe(true);
  });

  it('rejects a ping the server does not answer in time, as a transient error', async () => {
    // Accepts the connection and never answers the startup message.
    const silent = await fakeServer(() => {});
    const db = open(urlVia(silent.port));
    const error = await rejection(db.ping(100));
    expect(error).toBeInstanceOf(DbPingTimeoutError);
    expect(isTransientDbError(error)).toBe(true);
    silent.hangUp(); // lets close() finish instead of waiting for the connect timeout
  });
});

describe('isTransientDbError', () => {
  it('is true for Prisma queries, transactions and pool queries while the proxy is paused', async () => {
    const proxy = await proxyToDatabase();
    const db = open(urlVia(proxy.port));
    await db.prisma.business.count();
    expect(proxy.connectionCount()).toBeGreaterThan(0);

    proxy.pause();
    expect(proxy.connectionCount()).toBe(0);
    const errors = [
      await rejection(db.prisma.business.count()),
      await rejection(db.prisma.$transaction(async (tx) => tx.business.count())),
      await rejection(db.pool.query('SELECT 1')),
      await rejection(db.ping(2_000)),
    ];
    for (const error of errors) expect(isTransientDbError(error)).toBe(true);

    proxy.resume();
    await expect(db.prisma.business.count()).resolves.toBeTypeOf('number');
  });

  it('is true when nothing listens (ECONNREFUSED) and when the server hangs up at once', async () => {
    const refusedUrl = urlVia(await closedPort());
    const refused = open(refusedUrl);
    const refusedError = await rejection(refused.prisma.business.count());
    expect(refusedError).toMatchObject({ code: 'P1001' });
    expect(isTransientDbError(refusedError)).toBe(true);
    // The backend retries migrations on start while the server comes up.
    expect(isTransientDbError(await rejection(applyMigrations(refusedUrl)))).toBe(true);
    expect(isTransientDbError(new MigrationError('wrapped', 'x', { cause: refusedError }))).toBe(true);

    // A plain 'Connection terminated unexpectedly' from pg, passed through Prisma unwrapped.
    const hangUp = open(urlVia((await fakeServer((socket) => socket.end())).port));
    const hangUpError = await rejection(hangUp.prisma.business.count());
    expect((hangUpError as Error).message).toMatch(/Connection terminated/);
    expect(isTransientDbError(hangUpError)).toBe(true);
  });

  it('is true when the server terminates the session (SQLSTATE 57P01)', async () => {
    const db = open(database.url);
    const error = await rejection(db.prisma.$queryRawUnsafe('SELECT pg_terminate_backend(pg_backend_pid())'));
    expect(isTransientDbError(error)).toBe(true);
    await expect(db.prisma.business.count()).resolves.toBeTypeOf('number');
  });

  it('is true for a pg-pool connection timeout', async () => {
    const silent = await fakeServer(() => {});
    const pool = new pg.Pool({ connectionString: urlVia(silent.port), connectionTimeoutMillis: 100 });
    cleanups.push(() => pool.end());
    const error = await rejection(pool.query('SELECT 1'));
    expect((error as Error).message).toMatch(/timeout/);
    expect(isTransientDbError(error)).toBe(true);
  });

  it('is false for constraint violations, raised exceptions and bad SQL', async () => {
    const db = open(database.url);
    await db.prisma.business.create({ data: { ...business, phoneNumbers: { create: { e164: '+15550000002' } } } });
    const unique = await rejection(
      db.prisma.business.create({ data: { ...business, phoneNumbers: { create: { e164: '+15550000002' } } } }),
    );
    expect(unique).toMatchObject({ code: 'P2002' });
    const foreignKey = await rejection(
      db.prisma.phoneNumber.create({
        data: { e164: '+15550000003', businessId: '00000000-0000-4000-8000-00000000dead' },
      }),
    );
    expect(foreignKey).toMatchObject({ code: 'P2003' });
    // The text would match a connection failure; the SQLSTATE (P0001) says otherwise.
    const raised = await rejection(
      db.prisma.$executeRawUnsafe(`DO $$ BEGIN RAISE EXCEPTION 'Connection terminated unexpectedly'; END $$`),
    );
    const syntax = await rejection(db.prisma.$queryRawUnsafe('SELEC 1'));
    const pgUnique = await rejection(db.pool.query(`INSERT INTO phone_numbers (id, e164, business_id)
      SELECT gen_random_uuid(), e164, business_id FROM phone_numbers LIMIT 1`));
    for (const error of [unique, foreignKey, raised, syntax, pgUnique, new Error('boom'), 'text', null]) {
      expect(isTransientDbError(error)).toBe(false);
    }
  });
});

describe('pool errors', () => {
  it('survives the proxy dropping idle pooled connections, and queries work again after resume', async () => {
    const proxy = await proxyToDatabase();
    const { logger, lines } = capturingLogger();
    const db = open(urlVia(proxy.port), { logger, poolMax: 3 });
    // Three concurrent queries open three pooled connections, idle afterwards.
    await Promise.all([1, 2, 3].map(() => db.pool.query('SELECT pg_sleep(0.05)')));
    expect(db.pool.idleCount).toBe(3);
    expect(proxy.connectionCount()).toBe(3);

    proxy.pause();
    // Each idle client reports its lost connection through the pool's 'error' event.
    const lost = () => lines.filter((line) => line.msg === 'idle database connection lost').length;
    await expect.poll(lost, { timeout: 5_000, interval: 10 }).toBe(3);
    await expect.poll(() => db.pool.totalCount, { timeout: 5_000, interval: 10 }).toBe(0);

    // pg-pool attaches the client, connection password included, to these errors.
    expect(JSON.stringify(lines)).not.toMatch(/password|connectionParameters/);

    proxy.resume();
    await expect(db.prisma.business.count()).resolves.toBeTypeOf('number');
    await expect(db.ping(2_000)).resolves.toBeUndefined();
    expect(proxy.connectionCount()).toBeGreaterThan(0);
  });

  it('survives the server terminating an idle pooled connection', async () => {
    const { logger, lines } = capturingLogger();
    const db = open(database.url, { logger, poolMax: 1 });
    const { rows } = await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const admin = open(database.url);
    await admin.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);

    await expect
      .poll(() => lines.some((line) => line.msg === 'idle database connection lost'), { timeout: 5_000, interval: 10 })
      .toBe(true);
    await expect(db.prisma.business.count()).resolves.toBeTypeOf('number');
  });
});
