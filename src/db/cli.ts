// `npm run db:migrate` / `npm run db:seed`.
// DATABASE_URL comes from the environment or .env; without it the embedded
// PostgreSQL in EMBEDDED_PG_DIR (default .data/postgres) on EMBEDDED_PG_PORT
// (default 54329) is started for the command and stopped afterwards.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { createLogger } from '../logger.js';
import { createDb } from './client.js';
import { applyMigrations } from './migrate.js';
import { redactUrl } from './redact-url.js';
import { resolveDatabaseUrl, type ResolvedDatabase } from './resolve.js';
import { DEMO_PHONE_NUMBER, seedDemo } from './seed.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_EMBEDDED_PORT = 54329;
const USAGE = 'usage: tsx src/db/cli.ts <migrate|seed>';

type Command = 'migrate' | 'seed';

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_EMBEDDED_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`EMBEDDED_PG_PORT must be a port number, got "${value}"`);
  }
  return port;
}

async function migrate(url: string, logger: Logger): Promise<void> {
  const { applied, alreadyApplied } = await applyMigrations(url, { logger });
  for (const name of applied) print(`applied migration ${name}`);
  print(
    applied.length === 0
      ? `database is up to date (${alreadyApplied.length} migrations already applied)`
      : `applied ${applied.length} migration(s), ${alreadyApplied.length} already applied`,
  );
}

async function seed(url: string, logger: Logger): Promise<void> {
  const db = createDb(url, { logger, poolMax: 2 });
  try {
    const { businessId } = await seedDemo(db.prisma);
    print(`seeded demo business ${businessId} answering ${DEMO_PHONE_NUMBER}`);
  } finally {
    await db.close();
  }
}

async function run(command: Command): Promise<void> {
  const envFile = join(PROJECT_ROOT, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const logger = createLogger(
    { level: process.env.LOG_LEVEL || 'warn', name: 'db' },
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
    void database.stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    print(`database ${redactUrl(database.url)}${database.embedded ? ' (embedded)' : ''}`);
    await migrate(database.url, logger);
    if (command === 'seed') await seed(database.url, logger);
  } finally {
    await database.stop();
  }
}

const command = process.argv[2];
if (command !== 'migrate' && command !== 'seed') {
  process.stderr.write(`${USAGE}\n`);
  process.exit(1);
}
run(command).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`db ${command} failed: ${message}\n`);
    process.exit(1);
  },
);
