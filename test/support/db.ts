// A fresh, migrated database per caller, cloned from the template that
// test/support/global-setup.ts prepared. Safe from parallel worker processes.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../src/db/index.js';
import type { CleanupStack } from '../kit/cleanup-stack.js';
import { sleep } from '../kit/sleep.js';
import { databaseUrl, withAdmin } from './pg-admin.js';

export interface TestDatabase {
  /** postgresql:// URL of the new database. */
  readonly url: string;
  /** Name of the new database. */
  readonly name: string;
  /** Drops the database, terminating connections still open to it. Idempotent. */
  drop(): Promise<void>;
}

const TEMPLATE_SUFFIX = 'template';
/** SQLSTATE 55006 object_in_use: a session is connected to the template. */
const OBJECT_IN_USE = '55006';
const CLONE_ATTEMPTS = 20;
const CLONE_RETRY_MS = 100;

function withTestAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withAdmin(inject('pgAdminUrl'), fn);
}

export interface CreateTestDatabaseOptions {
  /** An empty database (no migrations applied) instead of a clone of the migrated template. */
  empty?: boolean;
}

export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const template = inject('pgTemplateDb');
  // Same prefix as the template, so global teardown can drop what a crashed file left.
  const prefix = template.slice(0, -TEMPLATE_SUFFIX.length);
  const name = `${prefix}${process.pid}_${randomBytes(4).toString('hex')}`;
  await withTestAdmin(async (client) => {
    const source = options.empty ? '' : ` TEMPLATE ${client.escapeIdentifier(template)}`;
    const sql = `CREATE DATABASE ${client.escapeIdentifier(name)}${source}`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.query(sql);
        return;
      } catch (error) {
        // The template refuses connections, so this is only a session that was
        // still closing; it goes away on its own.
        if ((error as { code?: unknown }).code !== OBJECT_IN_USE || attempt >= CLONE_ATTEMPTS) throw error;
        await sleep(CLONE_RETRY_MS);
      }
    }
  });

  let dropping: Promise<void> | undefined;
  return {
    url: databaseUrl(inject('pgAdminUrl'), name),
    name,
    drop() {
      dropping ??= withTestAdmin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      });
      return dropping;
    },
  };
}

/** A fresh migrated database and a client of it, both released by `cleanup` (the client first). */
export async function openTestDb(cleanup: CleanupStack): Promise<Db> {
  const database = await createTestDatabase();
  cleanup.add('the test database', () => database.drop());
  const db = createDb(database.url);
  cleanup.add('the database client', () => db.close());
  return db;
}
