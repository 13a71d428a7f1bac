// The daily retention run inside the backend: once at start, then every 24 h
// (one timer), applying each business's retention (retention.ts). Idempotent:
// a run deletes only what has expired and is not yet deleted. Several backend
// replicas never run it at the same time: a run first takes a PostgreSQL
// advisory lock (session level, on a connection of its own) and skips when
// another process holds it. stop() aborts a run between batches and clears the
// timer.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Retention, RetentionOutcome } from './retention.js';

export const RETENTION_INTERVAL_MS = 24 * 60 * 60_000;
/** The advisory lock's key (any bigint; this one spells "retain" in ASCII). */
export const RETENTION_LOCK_KEY = 0x726574616e;

export type RetentionRunResult = { kind: 'skipped' } | { kind: 'done'; businesses: number; deleted: RetentionOutcome };

export interface RetentionJobDeps {
  retention: Retention;
  pool: pg.Pool;
  logger: Logger;
  intervalMs?: number;
}

export class RetentionJob {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRunResult> | null = null;
  private readonly deps: RetentionJobDeps;

  constructor(deps: RetentionJobDeps) {
    this.deps = deps;
  }

  /** Runs now, then every interval until stop(). */
  start(): void {
    if (this.controller.signal.aborted || this.timer) return;
    const tick = (): void => {
      void this.runOnce().finally(() => {
        if (!this.controller.signal.aborted) this.timer = setTimeout(tick, this.deps.intervalMs ?? RETENTION_INTERVAL_MS);
      });
    };
    tick();
  }

  /** One run (a run already in progress in this process is joined, not repeated). */
  runOnce(): Promise<RetentionRunResult> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Idempotent: no new run starts; a run in progress stops at its next batch. */
  async stop(): Promise<void> {
    this.controller.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  private async run(): Promise<RetentionRunResult> {
    const { pool, retention, logger } = this.deps;
    const signal = this.controller.signal;
    if (signal.aborted) return { kind: 'skipped' };
    let client: pg.PoolClient | null = null;
    try {
      client = await pool.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK_KEY]);
      if (!rows[0]?.locked) {
        logger.info('retention run skipped: another backend is running it');
        return { kind: 'skipped' };
      }
      try {
        const deleted: RetentionOutcome = { recordings: 0, transcripts: 0 };
        const businesses = await retention.businessesWithRetention();
        for (const business of businesses) {
          if (signal.aborted) break;
          const outcome = await retention.applyToBusiness(business.id, business.settings, signal);
          deleted.recordings += outcome.recordings;
          deleted.transcripts += outcome.transcripts;
        }
        logger.info({ businesses: businesses.length, ...deleted }, 'retention run done');
        return { kind: 'done', businesses: businesses.length, deleted };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]).catch(() => {});
      }
    } catch (err) {
      logger.error({ err }, 'retention run failed; the next run retries');
      return { kind: 'skipped' };
    } finally {
      client?.release();
    }
  }
}
