// `npm run admin -- <command>`: the platform operator's commands against the
// database directly (same rules as the admin API). DATABASE_URL comes from
// the environment or .env; without it the embedded PostgreSQL in
// EMBEDDED_PG_DIR (default .data/postgres) on EMBEDDED_PG_PORT (default
// 54329) is started for the command and stopped afterwards. Pending
// migrations are applied first.
//
// Exit codes: 0 done, 1 the operation failed (not found, conflict, database),
// 2 usage (unknown command or option, invalid value).
import { createDb } from '../db/index.js';
import { CliDatabaseError, withCliDatabase } from '../db/cli-database.js';
import { ApiError } from '../http/errors.js';
import { AuditLog } from '../staff/audit-log.js';
import { adminServiceFor, extensionServiceFor, parseCommand, USAGE } from './cli-commands.js';
import { CliUsageError } from './cli-usage-error.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** Where call:place finds the backend when BACKEND_URL is not set. */
const DEFAULT_BACKEND_URL = 'http://127.0.0.1:3000';
/** The actor's label in the audit log: the operator, and that it was through the CLI, not the API. */
const AUDIT_LABEL = 'operator (admin CLI)';

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const HELP = new Set(['help', '--help', '-h']);

async function main(argv: string[]): Promise<void> {
  if (HELP.has(argv[0] ?? '')) return print(USAGE);
  const { command, values } = parseCommand(argv);
  await withCliDatabase('admin', EXIT_FAILED, async ({ url, logger }) => {
    const db = createDb(url, { logger, poolMax: 2 });
    const auditLog = new AuditLog(db.prisma);
    try {
      await command.run(values, {
        admin: adminServiceFor(db.prisma),
        extensions: extensionServiceFor(db.prisma),
        backend: { url: (process.env.BACKEND_URL || DEFAULT_BACKEND_URL).replace(/\/+$/, ''), operatorToken: process.env.OPERATOR_TOKEN || undefined },
        print,
        audit: (action, businessId, detail, targetId = null) =>
          auditLog.record({ businessId, actor: { kind: 'operator', label: AUDIT_LABEL }, action, detail, targetId, ip: null }),
      });
    } finally {
      await db.close();
    }
  });
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof CliUsageError || error instanceof CliDatabaseError) {
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
