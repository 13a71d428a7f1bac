// The database of a command-line tool (npm run db:*, npm run admin): the
// project's .env, DATABASE_URL or the embedded PostgreSQL, migrations applied,
// a logger on stderr, and the embedded server stopped on every way out.
// Paths are relative to the working directory, as for the programs themselves
// (npm runs scripts at the project root), never to this module: it runs from
// src/ or from the compiled dist/src/.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { createLogger } from '../logger.js';
import { applyMigrations, type ApplyMigrationsResult } from './migrate.js';
import { resolveDatabaseUrl } from './resolve.js';

const DEFAULT_EMBEDDED_PORT = 54329;

export interface CliDatabase {
  url: string;
  embedded: boolean;
  logger: Logger;
  migrations: ApplyMigrationsResult;
}

export class CliDatabaseError extends Error {}

function embeddedPort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_EMBEDDED_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliDatabaseError(`EMBEDDED_PG_PORT must be a port number, got "${value}"`);
  }
  return port;
}

/**
 * Runs `task` with the migrated database; a signal stops the embedded server
 * and exits with `signalExitCode`.
 */
export async function withCliDatabase<T>(
  name: string,
  signalExitCode: number,
  task: (database: CliDatabase) => Promise<T>,
): Promise<T> {
  const envFile = resolve('.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const logger = createLogger({ level: process.env.LOG_LEVEL || 'warn', name }, pino.destination({ dest: 2, sync: true }));
  const database = await resolveDatabaseUrl({
    databaseUrl: process.env.DATABASE_URL,
    embeddedDir: process.env.EMBEDDED_PG_DIR || resolve('.data/postgres'),
    embeddedPort: embeddedPort(process.env.EMBEDDED_PG_PORT),
    logger,
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: stopping\n`);
    void database.stop().finally(() => process.exit(signalExitCode));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const migrations = await applyMigrations(database.url, { logger });
    return await task({ url: database.url, embedded: database.embedded, logger, migrations });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await database.stop();
  }
}
