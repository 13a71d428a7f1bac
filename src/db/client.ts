// The Prisma client of the backend, on a pg Pool we own through @prisma/adapter-pg.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { PrismaClient } from './generated/client.js';
import { loggableDbError } from './loggable-error.js';
import { DbPingTimeoutError } from './ping-timeout-error.js';

export interface CreateDbOptions {
  logger?: Logger;
  /** Maximum pooled connections; default 10. */
  poolMax?: number;
}

export interface Db {
  readonly prisma: PrismaClient;
  readonly pool: pg.Pool;
  /** Resolves when the server answers `SELECT 1` within `timeoutMs`, rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** Disconnects Prisma and ends the pool. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_POOL_MAX = 10;
const CONNECTION_TIMEOUT_MS = 5_000;
const IDLE_TIMEOUT_MS = 30_000;

export function createDb(databaseUrl: string, options: CreateDbOptions = {}): Db {
  const logger = options.logger ?? pino({ level: 'silent' });
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolMax ?? DEFAULT_POOL_MAX,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    keepAlive: true,
  });
  // An idle pooled connection that breaks (server restart, network loss) is
  // reported here; without a listener pg would throw it and crash the process.
  // The pool discards the connection; the next query opens a new one.
  pool.on('error', (err) => logger.warn({ err: loggableDbError(err) }, 'idle database connection lost'));

  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, {
      // A connection held by an interactive transaction that breaks; the transaction's query fails.
      onConnectionError: (err) =>
        logger.warn({ err: loggableDbError(err) }, 'database connection lost during a transaction'),
    }),
  });

  const ping = async (timeoutMs: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const query = pool.query('SELECT 1');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DbPingTimeoutError(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
      // When the timeout won, the query's eventual failure is nobody's business.
      query.catch(() => {});
    }
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await pool.end();
      }
    })();
    return closing;
  };

  return { prisma, pool, ping, close };
}
