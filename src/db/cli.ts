// `npm run db:migrate` / `npm run db:seed`.
// DATABASE_URL comes from the environment or .env; without it the embedded
// PostgreSQL in EMBEDDED_PG_DIR (default .data/postgres) on EMBEDDED_PG_PORT
// (default 54329) is started for the command and stopped afterwards.
import { createDb } from './client.js';
import { withCliDatabase } from './cli-database.js';
import { redactUrl } from './redact-url.js';
import { DEMO_PHONE_NUMBER, seedDemo } from './seed.js';

const USAGE = 'usage: npm run db:migrate | npm run db:seed';

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function run(command: 'migrate' | 'seed'): Promise<void> {
  await withCliDatabase('db', 1, async ({ url, embedded, logger, migrations }) => {
    print(`database ${redactUrl(url)}${embedded ? ' (embedded)' : ''}`);
    const { applied, alreadyApplied } = migrations;
    for (const name of applied) print(`applied migration ${name}`);
    print(
      applied.length === 0
        ? `database is up to date (${alreadyApplied.length} migrations already applied)`
        : `applied ${applied.length} migration(s), ${alreadyApplied.length} already applied`,
    );
    if (command !== 'seed') return;
    const db = createDb(url, { logger, poolMax: 2 });
    try {
      const { businessId } = await seedDemo(db.prisma);
      print(`seeded demo business ${businessId} answering ${DEMO_PHONE_NUMBER}`);
    } finally {
      await db.close();
    }
  });
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
