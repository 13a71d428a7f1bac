import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, MigrationError, applyMigrations } from '../../../src/db/migrate.js';
import { checksumMatches, prismaMigrationChecksum } from '../../../src/db/migration-files.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  cleanups.push(() => db.drop());
  return db;
}

/** A row of Prisma's migration table, as pg returns it. */
interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  started_at: Date;
  applied_steps_count: number;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** A migrations directory with the given `name -> migration.sql` entries. */
async function migrationsDir(migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function tableNames(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  return rows.map((row) => row.tablename);
}

async function projectMigrationNames(): Promise<string[]> {
  const entries = await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

describe('checksums', () => {
  it('computes the checksum Prisma computes (prisma-engines test vector)', () => {
    expect(prismaMigrationChecksum('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  it('matches across line endings and the old unpadded format, like Prisma', () => {
    const unix = 'CREATE TABLE a ();\nCREATE TABLE b ();\n';
    const windows = unix.replaceAll('\n', '\r\n');
    expect(checksumMatches(windows, prismaMigrationChecksum(unix))).toBe(true);
    expect(checksumMatches(unix, prismaMigrationChecksum(windows))).toBe(true);
    const digest = createHash('sha256').update(unix).digest();
    const unpadded = [...digest].map((byte) => byte.toString(16)).join('');
    expect(unpadded.length).toBeLessThan(64); // this input has bytes below 0x10
    expect(checksumMatches(unix, unpadded)).toBe(true);
    expect(checksumMatches(`${unix} `, prismaMigrationChecksum(unix))).toBe(false);
  });
});

describe('applyMigrations', () => {
  it('migrates a fresh database, then has nothing left to apply', async () => {
    const db = await emptyDatabase();
    const names = await projectMigrationNames();
    expect(names.length).toBeGreaterThan(0);

    const first = await applyMigrations(db.url);
    expect(first).toEqual({ applied: names, alreadyApplied: [] });
    const second = await applyMigrations(db.url);
    expect(second).toEqual({ applied: [], alreadyApplied: names });

    const client = await connect(db.url);
    expect(await tableNames(client)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'businesses', 'phone_numbers', 'call_logs', 'call_turns']),
    );
  });

  it('records each migration in _prisma_migrations as prisma migrate deploy does', async () => {
    const db = await emptyDatabase();
    await applyMigrations(db.url);
    const client = await connect(db.url);
    const { rows } = await client.query<MigrationRow>(
      `SELECT id, checksum, migration_name, finished_at, rolled_back_at, logs, started_at, applied_steps_count
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    const names = await projectMigrationNames();
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const bytes = await readFile(join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }

    // The bookkeeping table is Prisma's, column for column.
    const columns = await client.query(
      `SELECT column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default_value
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = '_prisma_migrations'::regclass AND a.attname = c.column_name
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.table_name = '_prisma_migrations' ORDER BY c.ordinal_position`,
    );
    expect(columns.rows).toEqual([
      { column_name: 'id', type: 'character varying(36)', not_null: true, default_value: null },
      { column_name: 'checksum', type: 'character varying(64)', not_null: true, default_value: null },
      { column_name: 'finished_at', type: 'timestamp with time zone', not_null: false, default_value: null },
      { column_name: 'migration_name', type: 'character varying(255)', not_null: true, default_value: null },
      { column_name: 'logs', type: 'text', not_null: false, default_value: null },
      { column_name: 'rolled_back_at', type: 'timestamp with time zone', not_null: false, default_value: null },
      { column_name: 'started_at', type: 'timestamp with time zone', not_null: true, default_value: 'now()' },
      { column_name: 'applied_steps_count', type: 'integer', not_null: true, default_value: '0' },
    ]);
  });

  it('refuses a migration that was modified after it was applied', async () => {
    const db = await emptyDatabase();
    const dir = await migrationsDir({});
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const [first] = await projectMigrationNames();
    await applyMigrations(db.url, { migrationsDir: dir });

    const file = join(dir, first!, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\nCREATE TABLE sneaky (id int);\n`);
    const error = await applyMigrations(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe(first);
    expect((error as Error).message).toMatch(new RegExp(`migration ${first} was modified after it was applied`));
    expect(await tableNames(await connect(db.url))).not.toContain('sneaky');
  });

  it('rolls a failing migration back completely and names it; a fixed one then applies', async () => {
    const db = await emptyDatabase();
    const good = 'CREATE TABLE first_table (id integer PRIMARY KEY);\n';
    const dir = await migrationsDir({
      '20260101000000_good': good,
      '20260102000000_bad': 'CREATE TABLE second_table (id integer);\nINSERT INTO second_table VALUES (1 / 0);\n',
    });
    const error = await applyMigrations(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe('20260102000000_bad');
    expect((error as Error).message).toMatch(
      /migration 20260102000000_bad failed: division by zero \(SQLSTATE 22012\)/,
    );

    const client = await connect(db.url);
    expect(await tableNames(client)).toEqual(['_prisma_migrations', 'first_table']);
    const recorded = await client.query(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`);
    expect(recorded.rows).toEqual([{ migration_name: '20260101000000_good' }]);

    await writeFile(join(dir, '20260102000000_bad', 'migration.sql'), 'CREATE TABLE second_table (id integer);\n');
    expect(await applyMigrations(db.url, { migrationsDir: dir })).toEqual({
      applied: ['20260102000000_bad'],
      alreadyApplied: ['20260101000000_good'],
    });
  });

  it('reports the line of a syntax error', async () => {
    const db = await emptyDatabase();
    const dir = await migrationsDir({
      '20260101000000_typo': '-- CreateTable\nCREATE TABLE ok (id int);\nCREATE TABEL oops (id int);\n',
    });
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(
      /migration 20260101000000_typo failed: syntax error at or near "TABEL" \(SQLSTATE 42601\) at line 3/,
    );
  });

  it('refuses to continue after a failed attempt recorded by Prisma', async () => {
    const db = await emptyDatabase();
    const dir = await migrationsDir({ '20260101000000_one': 'CREATE TABLE one (id int);\n' });
    await applyMigrations(db.url, { migrationsDir: dir });
    const client = await connect(db.url);
    // What prisma migrate deploy leaves behind when a migration fails.
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ('7a3b6c1e-0000-4000-8000-000000000000', $1, '20260102000000_two', 'ERROR: boom', now(), 0)`,
      [prismaMigrationChecksum('CREATE TABLE two (id int);\n')],
    );
    await writeFile(join(dir, 'x'), ''); // a stray file is not a migration
    await mkdir(join(dir, '20260102000000_two'));
    await writeFile(join(dir, '20260102000000_two', 'migration.sql'), 'CREATE TABLE two (id int);\n');

    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(
      /migration 20260102000000_two failed in an earlier attempt .*ERROR: boom/,
    );
    expect(await tableNames(client)).not.toContain('two');
  });

  it('refuses a non-empty database that has no _prisma_migrations table', async () => {
    const db = await emptyDatabase();
    const client = await connect(db.url);
    await client.query('CREATE TABLE unrelated (id int)');
    await expect(applyMigrations(db.url)).rejects.toThrow(/not empty but has no _prisma_migrations table/);
    expect(await tableNames(client)).toEqual(['unrelated']);
  });

  it('reports a migration directory without migration.sql', async () => {
    const db = await emptyDatabase();
    const dir = await migrationsDir({ '20260101000000_one': 'SELECT 1;\n' });
    await mkdir(join(dir, '20260102000000_empty'));
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(
      'migration 20260102000000_empty has no migration.sql',
    );
  });

  it('applies each migration exactly once when two runners race', async () => {
    const db = await emptyDatabase();
    // The first migration holds its transaction open long enough that the runners overlap.
    const dir = await migrationsDir({
      '20260101000000_slow': 'CREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\nSELECT pg_sleep(0.3);\n',
      '20260102000000_next': 'UPDATE counter SET n = n + 1;\n',
    });
    const results = await Promise.all([
      applyMigrations(db.url, { migrationsDir: dir }),
      applyMigrations(db.url, { migrationsDir: dir }),
    ]);
    const appliedByEither = results.flatMap((result) => result.applied).sort();
    expect(appliedByEither).toEqual(['20260101000000_slow', '20260102000000_next']);

    const client = await connect(db.url);
    const counter = await client.query('SELECT n FROM counter');
    expect(counter.rows).toEqual([{ n: 2 }]);
    const recorded = await client.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(recorded.rows).toEqual([{ n: 2 }]);
  });

  it("waits for Prisma Migrate's advisory lock (72707369)", async () => {
    const db = await emptyDatabase();
    const holder = await connect(db.url);
    await holder.query('SELECT pg_advisory_lock(72707369)');
    const dir = await migrationsDir({ '20260101000000_one': 'CREATE TABLE one (id int);\n' });

    let settled = false;
    const run = applyMigrations(db.url, { migrationsDir: dir }).finally(() => {
      settled = true;
    });
    // Wait until the runner is blocked on that very lock.
    const waiting = async () => {
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND objid = 72707369 AND NOT granted`,
      );
      return rows[0]?.n === 1;
    };
    await expect.poll(waiting, { timeout: 5_000, interval: 20 }).toBe(true);
    expect(settled).toBe(false);
    expect(await tableNames(holder)).toEqual([]);

    await holder.query('SELECT pg_advisory_unlock(72707369)');
    await expect(run).resolves.toEqual({ applied: ['20260101000000_one'], alreadyApplied: [] });
  });
});
