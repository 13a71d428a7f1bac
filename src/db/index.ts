// The database layer's public surface: import from here, not from ./generated.
export { createDb, type CreateDbOptions, type Db } from './client.js';
export { DbPingTimeoutError } from './ping-timeout-error.js';
export { isTransientDbError } from './transient-error.js';
export {
  applyMigrations,
  DEFAULT_MIGRATIONS_DIR,
  MigrationError,
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
} from './migrate.js';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded.js';
export {
  resolveDatabaseUrl,
  EMBEDDED_DATABASE_NAME,
  type ResolveDatabaseOptions,
  type ResolvedDatabase,
} from './resolve.js';
export { redactUrl } from './redact-url.js';
export { loggableDbError, type LoggableDbError } from './loggable-error.js';
export { seedDemo, DEMO_PHONE_NUMBER } from './seed.js';
export { PrismaClient, Prisma, CallDirection, CallStatus, TurnRole, StaffRole } from './generated/client.js';
export type { Business, PhoneNumber, CallLog, CallTurn, CallMessage, StaffUser, StaffSession, StaffExtension, DoNotCall, AuditEvent } from './generated/client.js';
