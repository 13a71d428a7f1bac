import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../src/db/embedded.js';
import { redactUrl } from '../../../src/db/redact-url.js';
import { resolveDatabaseUrl } from '../../../src/db/resolve.js';
import { freePort } from '../../kit/ports.js';
import { queryOnce as query } from '../../support/pg-admin.js';

let baseDir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'embedded-pg-test-'));
  // As root the server runs as the postgres user, which must be able to enter it.
  await chmod(baseDir, 0o755);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
});


async function start(dataDir: string, port: number, database = 'app', logger?: pino.Logger): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port, database, logger });
  cleanups.push(() => server.stop());
  return server;
}

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('startEmbeddedPostgres', () => {
  it('keeps its data across restarts, creates the database, and stops idempotently', async () => {
    const dataDir = join(baseDir, 'persistent');
    const port = await freePort();
    const { logger, lines } = capturingLogger();
    const first = await start(dataDir, port, 'app', logger);
    expect(first.url).toBe(`postgresql://postgres:postgres@127.0.0.1:${port}/app`);
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await first.stop();
    await first.stop();
    await expect(query(first.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const second = await start(dataDir, port, 'app', logger);
    expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    expect(lines.some((line) => line.includes('postgres:****@127.0.0.1'))).toBe(true);
    expect(lines.filter((line) => line.includes(':postgres@'))).toEqual([]);
  });

  it('fails clearly when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const { port } = blocker.address() as net.AddressInfo;
    await expect(startEmbeddedPostgres({ dataDir: join(baseDir, 'blocked'), port, database: 'app' })).rejects.toThrow(
      `embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is already in use`,
    );
  });

  it('starts despite a stale postmaster.pid left by a killed run', async () => {
    const dataDir = join(baseDir, 'stale');
    const port = await freePort();
    const server = await start(dataDir, port);
    await server.stop();
    // A PID that now belongs to another program (this test process), as after a reboot.
    await writeFile(join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n0\n${port}\n\n\n\n`);
    const restarted = await start(dataDir, port);
    expect(await query(restarted.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('reuses a server already running on the data directory and port, and refuses another port', async () => {
    const dataDir = join(baseDir, 'shared');
    const port = await freePort();
    const owner = await start(dataDir, port);
    const reused = await start(dataDir, port, 'second');
    expect(await query(reused.url, 'SELECT current_database() AS name')).toEqual([{ name: 'second' }]);
    await reused.stop(); // not its server: must not stop it
    expect(await query(owner.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const otherPort = await freePort();
    await expect(startEmbeddedPostgres({ dataDir, port: otherPort, database: 'app' })).rejects.toThrow(
      new RegExp(`in use by another server \\(PID \\d+\\) on port ${port}, not ${otherPort}`),
    );
  });
});

describe('resolveDatabaseUrl', () => {
  it('uses DATABASE_URL when set, logging it without the password', async () => {
    const { logger, lines } = capturingLogger();
    const url = 'postgresql://app:s3cret-pass@db.example:5432/app';
    const resolved = await resolveDatabaseUrl({
      databaseUrl: url,
      embeddedDir: join(baseDir, 'unused'),
      embeddedPort: 1,
      logger,
    });
    expect(resolved).toMatchObject({ url, embedded: false });
    await resolved.stop();
    expect(lines.join('')).toContain('postgresql://app:****@db.example:5432/app');
    expect(lines.join('')).not.toContain('s3cret-pass');
  });

  it('starts the embedded server when DATABASE_URL is unset', async () => {
    const { logger } = capturingLogger();
    const port = await freePort();
    const resolved = await resolveDatabaseUrl({ embeddedDir: join(baseDir, 'resolved'), embeddedPort: port, logger });
    cleanups.push(() => resolved.stop());
    expect(resolved.embedded).toBe(true);
    expect(await query(resolved.url, 'SELECT current_database() AS name')).toEqual([{ name: 'prosaas' }]);
  });
});

describe('redactUrl', () => {
  it('masks passwords in the userinfo and the query, and never echoes unparseable input', () => {
    expect(redactUrl('postgresql://u:p%40ss@h:5432/db?sslmode=require')).toBe(
      'postgresql://u:****@h:5432/db?sslmode=require',
    );
    expect(redactUrl('postgres://h/db?user=u&password=secret')).toBe('postgres://h/db?user=u&password=****');
    expect(redactUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    expect(redactUrl('not a url with secret')).toBe('[unparseable database URL]');
  });
});
