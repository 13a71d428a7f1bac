// Vitest global setup: one PostgreSQL server for the whole run and a migrated
// template database that test files clone (test/support/db.ts).
// Without DATABASE_URL an embedded server runs in a fresh temporary directory on a
// free port and is removed at teardown; with DATABASE_URL that server is used.
// When the database cannot be set up, the run ends with that reason alone.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgresAccessError } from '../../src/db/embedded-access-error.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { freePort } from '../kit/ports.js';
import { databaseUrl, withAdmin } from './pg-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the `postgres` database of the test server (superuser). */
    pgAdminUrl: string;
    /** Migrated database that createTestDatabase() clones; never connect to it. */
    pgTemplateDb: string;
  }
}

const PORT_ATTEMPTS = 3;

/** Every database of this run starts with the prefix; test/support/db.ts derives it from the template name. */
const TEMPLATE_SUFFIX = 'template';
function testDatabasePrefix(runId: string): string {
  return `test_${runId}_`;
}

/** Starts an embedded server, retrying on another port if the free one was taken meanwhile. */
async function startServer(dataDir: string): Promise<EmbeddedPostgres> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startEmbeddedPostgres({
        dataDir,
        port: await freePort(),
        database: 'postgres',
        // Throwaway data: durability only costs time here.
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
      });
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !/already in use/.test((error as Error).message)) throw error;
    }
  }
}

/**
 * Removes the temporary directory and the server's data in it, or where its data
 * directory links to: as root, when the postgres user cannot reach the temporary
 * directory, the data is kept in a folder it owns (src/db/embedded-data-dir.ts).
 */
async function removeTempDir(tempDir: string): Promise<void> {
  const data = await realpath(join(tempDir, 'data')).catch(() => undefined);
  if (data) await rm(data, { recursive: true, force: true });
  await rm(tempDir, { recursive: true, force: true });
}

/**
 * Vitest reports a global setup that throws as "No test files found" followed by a
 * stack trace, which hides the cause. No test can run without the database, so the
 * run ends here, with the cause first and alone.
 */
function exitWithSetupError(error: unknown): never {
  const detail =
    error instanceof EmbeddedPostgresAccessError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`\nThe test database could not be set up:\n${detail}\n\n`);
  process.exit(1);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    return await setupDatabase(project);
  } catch (error) {
    exitWithSetupError(error);
  }
}

async function setupDatabase(project: TestProject): Promise<() => Promise<void>> {
  let server: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl: string;
  const external = process.env.DATABASE_URL;
  if (external) {
    adminUrl = databaseUrl(external, 'postgres');
  } else {
    tempDir = await mkdtemp(join(tmpdir(), 'voice-agent-test-pg-'));
    // As root the server runs as the postgres user, which must be able to enter the directory.
    await chmod(tempDir, 0o755);
    try {
      server = await startServer(join(tempDir, 'data'));
    } catch (error) {
      await removeTempDir(tempDir);
      throw error;
    }
    adminUrl = server.url;
  }

  const runId = randomBytes(4).toString('hex');
  const templateDb = `${testDatabasePrefix(runId)}${TEMPLATE_SUFFIX}`;
  const dropRunDatabases = async () => {
    await withAdmin(adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
        [testDatabasePrefix(runId)],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
      }
    });
  };

  try {
    await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(templateDb)}`));
    await applyMigrations(databaseUrl(adminUrl, templateDb));
    // No connections to the template from now on (autovacuum included): a
    // connected session makes CREATE DATABASE … TEMPLATE fail.
    await withAdmin(adminUrl, (client) =>
      client.query(`ALTER DATABASE ${client.escapeIdentifier(templateDb)} ALLOW_CONNECTIONS false`),
    );
  } catch (error) {
    await dropRunDatabases().catch(() => {});
    await server?.stop();
    if (tempDir) await removeTempDir(tempDir);
    throw error;
  }

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDb', templateDb);

  return async () => {
    try {
      // Databases of test files that did not drop theirs; the whole server goes when embedded.
      if (!server) await dropRunDatabases();
    } finally {
      await server?.stop();
      if (tempDir) await removeTempDir(tempDir);
    }
  };
}
