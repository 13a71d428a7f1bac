// Applies prisma/migrations with `pg`, recording them in `_prisma_migrations`
// exactly as `prisma migrate deploy` does, so either tool can take over from the
// other. (The Prisma CLI cannot run migrations everywhere we run: it needs a
// downloaded schema-engine binary.)
//
// Differences from Prisma, all on the safe side: each migration runs inside one
// transaction together with its bookkeeping row, so a failing migration leaves
// nothing behind (migration.sql must therefore not contain BEGIN/COMMIT or
// statements that cannot run in a transaction, such as CREATE INDEX CONCURRENTLY);
// an applied migration whose file changed is an error, not a warning.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import {
  DEFAULT_MIGRATIONS_DIR,
  MigrationError,
  checksumMatches,
  readMigrationFiles,
  type MigrationFile,
} from './migration-files.js';
import { loggableDbError } from './loggable-error.js';

export { MigrationError, DEFAULT_MIGRATIONS_DIR } from './migration-files.js';

export interface ApplyMigrationsOptions {
  logger?: Logger;
  /** Defaults to this project's prisma/migrations. */
  migrationsDir?: string;
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations found already applied, in order. */
  alreadyApplied: string[];
}

/** The key Prisma Migrate locks (prisma-engines, postgres connector): runners never overlap. */
const PRISMA_MIGRATE_ADVISORY_LOCK_KEY = 72707369;
const CONNECT_TIMEOUT_MS = 10_000;
const ADVISORY_LOCK_TIMEOUT_MS = 60_000;

/** The table Prisma creates (`create_migrations_table`, postgres flavour), column for column. */
const CREATE_MIGRATIONS_TABLE_SQL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

/**
 * Applies every migration in `migrationsDir` not yet recorded in
 * `_prisma_migrations`, each in its own transaction, holding Prisma's advisory
 * lock so concurrent runners (or `prisma migrate deploy`) apply each migration once.
 * Throws MigrationError naming the migration when one fails, was edited after
 * being applied, or is recorded as failed by an earlier attempt.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const files = await readMigrationFiles(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);

  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection lost between queries surfaces here; the next query then fails.
  client.on('error', (err) => logger.warn({ err: loggableDbError(err) }, 'migration connection error'));
  await client.connect();
  try {
    await acquireMigrationLock(client);
    const rows = await readMigrationTable(client);
    const pending = checkHistory(files, rows, logger);
    const applied: string[] = [];
    for (const file of pending) {
      await applyOne(client, file, logger);
      applied.push(file.name);
    }
    const alreadyApplied = files.map((file) => file.name).filter((name) => !applied.includes(name));
    return { applied, alreadyApplied };
  } finally {
    // Closing the session also releases the advisory lock.
    await client
      .end()
      .catch((err: unknown) => logger.warn({ err: loggableDbError(err) }, 'closing migration connection failed'));
  }
}

async function acquireMigrationLock(client: pg.Client): Promise<void> {
  await client.query(`SET lock_timeout = ${ADVISORY_LOCK_TIMEOUT_MS}`);
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_ADVISORY_LOCK_KEY})`);
  } catch (error) {
    if ((error as { code?: unknown }).code === '55P03') {
      throw new MigrationError(
        `timed out after ${ADVISORY_LOCK_TIMEOUT_MS} ms waiting for the migration lock ` +
          `(pg_advisory_lock(${PRISMA_MIGRATE_ADVISORY_LOCK_KEY})): another migration is running`,
        undefined,
        { cause: error },
      );
    }
    throw error;
  }
  await client.query('RESET lock_timeout');
}

/** Creates `_prisma_migrations` when missing (only in an empty schema, as Prisma does) and returns its rows. */
async function readMigrationTable(client: pg.Client): Promise<MigrationRow[]> {
  const state = await client.query<{ has_table: boolean; has_objects: boolean }>(`
    SELECT
      EXISTS (SELECT 1 FROM pg_catalog.pg_tables
              WHERE schemaname = current_schema() AND tablename = '_prisma_migrations') AS has_table,
      EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
      OR EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = current_schema() AND t.typtype = 'e') AS has_objects`);
  const { has_table: hasTable, has_objects: hasObjects } = state.rows[0] ?? { has_table: false, has_objects: false };
  if (!hasTable) {
    if (hasObjects) {
      throw new MigrationError(
        'the database schema is not empty but has no _prisma_migrations table; refusing to migrate ' +
          'a database these migrations did not create (baseline it first: prisma migrate resolve --applied)',
      );
    }
    await client.query(CREATE_MIGRATIONS_TABLE_SQL);
    return [];
  }
  const result = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return result.rows;
}

/** Validates the recorded history against the files and returns the migrations still to apply. */
function checkHistory(files: MigrationFile[], rows: MigrationRow[], logger: Logger): MigrationFile[] {
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `migration ${failed.migration_name} failed in an earlier attempt (started ${failed.started_at.toISOString()}` +
        `${failed.logs ? `: ${failed.logs.trim()}` : ''}); repair the database, then mark it with ` +
        `\`prisma migrate resolve --rolled-back ${failed.migration_name}\` or delete its _prisma_migrations row`,
      failed.migration_name,
    );
  }
  const applied = rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null);
  const fileNames = new Set(files.map((file) => file.name));
  for (const row of applied) {
    if (!fileNames.has(row.migration_name)) {
      logger.warn({ migration: row.migration_name }, 'applied migration is missing from the migrations directory');
    }
  }
  const pending: MigrationFile[] = [];
  for (const file of files) {
    const record = applied.find((row) => row.migration_name === file.name);
    if (!record) {
      pending.push(file);
      continue;
    }
    if (!checksumMatches(file.sql, record.checksum)) {
      throw new MigrationError(
        `migration ${file.name} was modified after it was applied (recorded checksum ${record.checksum}, ` +
          `file checksum ${file.checksum}); restore the applied migration.sql and put changes in a new migration`,
        file.name,
      );
    }
  }
  return pending;
}

async function applyOne(client: pg.Client, file: MigrationFile, logger: Logger): Promise<void> {
  const startedMs = Date.now();
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, file.checksum, file.name],
    );
    try {
      // No parameters: pg sends the simple query protocol, which runs a multi-statement script.
      await client.query(file.sql);
    } catch (error) {
      throw new MigrationError(`migration ${file.name} failed: ${describeSqlError(error, file.sql)}`, file.name, {
        cause: error,
      });
    }
    await client.query(
      `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1
        WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  logger.info({ migration: file.name, durationMs: Date.now() - startedMs }, 'migration applied');
}

/** Message, SQLSTATE, detail and the line of migration.sql the server pointed at. */
function describeSqlError(error: unknown, sql: string): string {
  if (!(error instanceof Error)) return String(error);
  const pgError = error as Partial<pg.DatabaseError>;
  const parts = [error.message];
  if (pgError.code) parts.push(`(SQLSTATE ${pgError.code})`);
  const position = Number(pgError.position);
  if (Number.isInteger(position) && position > 0) {
    parts.push(`at line ${sql.slice(0, position - 1).split('\n').length}`);
  }
  if (pgError.detail) parts.push(`- ${pgError.detail}`);
  return parts.join(' ');
}
