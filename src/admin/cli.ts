// `npm run admin -- <command>`: the platform operator's commands against the
// database directly (same rules as the admin API). DATABASE_URL comes from
// the environment or .env; without it the embedded PostgreSQL in
// EMBEDDED_PG_DIR (default .data/postgres) on EMBEDDED_PG_PORT (default
// 54329) is started for the command and stopped afterwards. Pending
// migrations are applied first.
//
// Exit codes: 0 done, 1 the operation failed (not found, conflict, database),
// 2 usage (unknown command or option, invalid value).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createLogger } from '../logger.js';
import { applyMigrations, createDb, resolveDatabaseUrl, type ResolvedDatabase } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import { adminServiceFor, parseCommand, USAGE } from './cli-commands.js';
import { CliUsageError } from './cli-usage-error.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_EMBEDDED_PORT = 54329;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_EMBEDDED_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliUsageError(`EMBEDDED_PG_PORT must be a port number, got "${value}"`);
  }
  return port;
}

const HELP = new Set(['help', '--help', '-h']);

async function main(argv: string[]): Promise<void> {
  if (HELP.has(argv[0] ?? '')) return print(USAGE);
  const { command, values } = parseCommand(argv);
  const envFile = join(PROJECT_ROOT, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const logger = createLogger(
    { level: process.env.LOG_LEVEL || 'warn', name: 'admin' },
    pino.destination({ dest: 2, sync: true }),
  );
  const database: ResolvedDatabase = await resolveDatabaseUrl({
    databaseUrl: process.env.DATABASE_URL,
    embeddedDir: process.env.EMBEDDED_PG_DIR || resolve(PROJECT_ROOT, '.data/postgres'),
    embeddedPort: parsePort(process.env.EMBEDDED_PG_PORT),
    logger,
  });
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping\n`);
    void database.stop().finally(() => process.exit(EXIT_FAILED));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await applyMigrations(database.url, { logger });
    const db = createDb(database.url, { logger, poolMax: 2 });
    try {
      await command.run(values, { admin: adminServiceFor(db.prisma), print });
    } finally {
      await db.close();
    }
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof CliUsageError) {
      if (error.message) process.stderr.write(`error: ${error.message}\n\n`);
      process.stderr.write(`${USAGE}\n`);
      process.exit(EXIT_USAGE);
    }
    if (error instanceof ApiError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(EXIT_FAILED);
    }
    process.stderr.write(`admin command failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_FAILED);
  },
);
