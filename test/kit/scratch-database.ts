// A PostgreSQL database for a run outside the test runner (the demo, the
// bench): the one DATABASE_URL names, or an embedded server in a folder of
// its own that goes away when the run ends. Either way migrated, so that data
// can be written before the backend starts.
import { chmod, mkdir, rm } from 'node:fs/promises';
import { applyMigrations, redactUrl, startEmbeddedPostgres } from '../../src/db/index.js';
import { freePort } from './ports.js';

export interface SystemDatabase {
  /** postgresql:// URL (contains the password: show it through `description`). */
  readonly url: string;
  /** Which database this is, without secrets, for people reading the output. */
  readonly description: string;
  /** Stops and removes what was started for it (nothing for DATABASE_URL). Idempotent. */
  close(): Promise<void>;
}

const EMBEDDED_DATABASE = 'prosaas';

/** `databaseUrl` when set, else an embedded server with its data in `embeddedDir` (created, and removed by close()). */
export async function startScratchDatabase(options: { databaseUrl?: string; embeddedDir: string }): Promise<SystemDatabase> {
  if (options.databaseUrl) {
    await applyMigrations(options.databaseUrl);
    return {
      url: options.databaseUrl,
      description: `PostgreSQL from DATABASE_URL (${redactUrl(options.databaseUrl)})`,
      close: async () => {},
    };
  }
  await mkdir(options.embeddedDir, { recursive: true });
  // As root the server runs as the postgres user, which must be able to enter the folder.
  await chmod(options.embeddedDir, 0o755);
  const removeData = (): Promise<void> => rm(options.embeddedDir, { recursive: true, force: true });
  let server;
  try {
    server = await startEmbeddedPostgres({
      dataDir: options.embeddedDir,
      port: await freePort(),
      database: EMBEDDED_DATABASE,
      // Throwaway data: durability only costs time here.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
  } catch (error) {
    await removeData();
    throw error;
  }
  const embedded = server;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= embedded.stop().finally(removeData);
    return closing;
  };
  try {
    await applyMigrations(embedded.url);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: embedded.url,
    description: `embedded PostgreSQL (temporary, removed at the end: ${options.embeddedDir})`,
    close,
  };
}
