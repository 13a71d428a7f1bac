// Which PostgreSQL to use: DATABASE_URL when given, else the embedded server.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { startEmbeddedPostgres } from './embedded.js';
import { redactUrl } from './redact-url.js';

export interface ResolveDatabaseOptions {
  /** From DATABASE_URL; undefined or empty selects the embedded server. */
  databaseUrl?: string | undefined;
  /** Data directory of the embedded server (relative paths resolve against the working directory). */
  embeddedDir: string;
  embeddedPort: number;
  logger: Logger;
}

export interface ResolvedDatabase {
  /** Contains the password: log it through redactUrl. */
  readonly url: string;
  readonly embedded: boolean;
  /** Stops the embedded server; nothing for an external one. Idempotent. */
  stop(): Promise<void>;
}

/** Name of the database created in the embedded server. */
export const EMBEDDED_DATABASE_NAME = 'prosaas';

export async function resolveDatabaseUrl(options: ResolveDatabaseOptions): Promise<ResolvedDatabase> {
  const { databaseUrl, logger } = options;
  if (databaseUrl) {
    logger.info({ database: redactUrl(databaseUrl) }, 'using PostgreSQL from DATABASE_URL');
    return { url: databaseUrl, embedded: false, stop: async () => {} };
  }
  const dataDir = resolve(options.embeddedDir);
  logger.info({ dataDir, port: options.embeddedPort }, 'DATABASE_URL not set; starting embedded PostgreSQL');
  const server = await startEmbeddedPostgres({
    dataDir,
    port: options.embeddedPort,
    database: EMBEDDED_DATABASE_NAME,
    logger,
  });
  return { url: server.url, embedded: true, stop: server.stop };
}
