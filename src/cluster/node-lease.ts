// The leases of Asterisk nodes: one PostgreSQL session advisory lock per node
// (pg_try_advisory_lock(LEASE_LOCK_NAMESPACE, nodeLockKey(app, node))), every lock
// of this replica held on one dedicated connection.
//
// Why a session advisory lock on a dedicated connection rather than a lease row
// with fencing tokens:
// - The lease guards a Stasis application's registration on one Asterisk, and
//   Asterisk cannot check a fencing token: a token would fence our own database
//   writes, not the one thing that must never happen (two sockets registering the
//   app). What keeps sockets apart is the order of events in time, below.
// - PostgreSQL releases the lock the moment the holder's connection ends. A
//   replica killed with -9 frees its nodes at once (its kernel closes the socket),
//   so a standby takes over within one LEASE_POLL_MS instead of after a lease's
//   time-to-live, and no replica's clock is involved.
// - A holder cut off from PostgreSQL without dying stops its ARI sockets after
//   LEASE_PROOF_TIMEOUT_MS without an answer to its proof query (or at once when
//   the connection reports an error). PostgreSQL keeps the lock until it drops the
//   silent connection (tcp_user_timeout and keepalives, set on this connection:
//   SERVER_DROP_MS), so nobody can take the node in between, and the holder has
//   stopped long before anyone can.
// - A holder's write in flight when it lost the lease can still land: a closed
//   CallLog row never changes again (calls/call-log-store.ts), and the new holder
//   writes every later state of the call.
// Constraint: this connection must reach PostgreSQL itself or a session-mode
// pooler; a transaction-mode pooler (PgBouncer pool_mode=transaction) would hand
// the session, and the locks, to others. LEASE_DATABASE_URL names it then.
import pg from 'pg';
import type { Logger } from 'pino';
import { SERVER_DROP_MS } from './cluster-config.js';
import { LEASE_LOCK_NAMESPACE } from './node-lock-key.js';
import { loggableDbError } from '../db/index.js';

/** application_name of every lock connection (followed by the replica id): replicas count each other by it. */
export const LEASE_CONNECTION_PREFIX = 'prosaas-lease/';
const CONNECT_TIMEOUT_MS = 5_000;

export interface NodeLeasesOptions {
  databaseUrl: string;
  replicaId: string;
  proofIntervalMs: number;
  proofTimeoutMs: number;
  logger: Logger;
}

/** Told synchronously, so that the holder stops its sockets at once. */
export type LeaseLossListener = (keys: readonly number[], reason: string) => void;

export class NodeLeases {
  private readonly options: NodeLeasesOptions;
  private readonly log: Logger;
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly held = new Set<number>();
  private readonly listeners = new Set<LeaseLossListener>();
  private proofTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private proving = false;
  private closed = false;
  /** The tail of the queries sent on the lock connection: one at a time (pg 9 drops its own queue). */
  private queries: Promise<unknown> = Promise.resolve();

  constructor(options: NodeLeasesOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'node-leases' });
  }

  onLost(listener: LeaseLossListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  holds(key: number): boolean {
    return this.held.has(key);
  }

  /** Takes the lease when nobody holds it; never waits for it. */
  async tryAcquire(key: number): Promise<boolean> {
    if (this.held.has(key)) return true;
    const client = await this.connection();
    const result = await this.query<{ acquired: boolean }>(client, 'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS acquired', [LEASE_LOCK_NAMESPACE, key]);
    if (result.rows[0]?.acquired !== true || client !== this.client) return false;
    this.held.add(key);
    this.proven();
    return true;
  }

  /** Gives the lease up (the node was handed over). */
  async release(key: number): Promise<void> {
    if (!this.held.delete(key)) return;
    const client = this.client;
    if (!client) return;
    await this.query(client, 'SELECT pg_advisory_unlock($1::int4, $2::int4)', [LEASE_LOCK_NAMESPACE, key]);
    if (this.held.size === 0) this.stopWatchdog();
  }

  /** Keys of every node lease anyone holds right now. */
  async lockedKeys(): Promise<Set<number>> {
    const client = await this.connection();
    const result = await this.query<{ key: string }>(
      client,
      `SELECT objid::bigint AS key FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1::bigint AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LEASE_LOCK_NAMESPACE],
    );
    return new Set(result.rows.map((row) => Number(row.key) | 0));
  }

  /** Replicas with a lock connection to this database, this one included. */
  async liveReplicas(): Promise<number> {
    const client = await this.connection();
    const result = await this.query<{ replicas: number }>(
      client,
      `SELECT count(DISTINCT application_name)::int AS replicas FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE $1`,
      [`${LEASE_CONNECTION_PREFIX}%`],
    );
    return result.rows[0]?.replicas ?? 1;
  }

  /** Ends the connection: every lease is released. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatchdog();
    this.held.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** Sends a query after the ones before it have been answered (in the order asked, as pg's own queue did). */
  private query<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const result = this.queries.then(() => client.query<R>(text, values));
    this.queries = result.catch(() => undefined);
    return result;
  }

  private connection(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the lease connection is closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: `${LEASE_CONNECTION_PREFIX}${this.options.replicaId}`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    client.on('error', (error) => this.lostConnection(client, `lock connection error: ${loggableDbError(error).message}`));
    client.on('end', () => this.lostConnection(client, 'lock connection closed'));
    try {
      await client.connect();
      // PostgreSQL must drop this connection later than its holder gives up without proof.
      await client.query(
        `SET tcp_user_timeout = ${SERVER_DROP_MS}; SET tcp_keepalives_idle = 3; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 5; SET statement_timeout = ${this.options.proofTimeoutMs}`,
      );
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('the lease connection is closed');
    }
    this.client = client;
    this.proofTimer = setInterval(() => void this.prove(client), this.options.proofIntervalMs);
    return client;
  }

  /** Proves that the connection still holds every lease it thinks it holds. */
  private async prove(client: pg.Client): Promise<void> {
    if (this.proving || client !== this.client || this.held.size === 0) return;
    this.proving = true;
    try {
      const result = await this.query<{ key: string }>(
        client,
        `SELECT objid::bigint AS key FROM pg_locks
          WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = $1::bigint AND objsubid = 2 AND granted`,
        [LEASE_LOCK_NAMESPACE],
      );
      if (client !== this.client) return;
      const proven = new Set(result.rows.map((row) => Number(row.key) | 0));
      const gone = [...this.held].filter((key) => !proven.has(key));
      if (gone.length > 0) {
        for (const key of gone) this.held.delete(key);
        this.notify(gone, 'the lock is no longer held');
      }
      this.proven();
    } catch (error) {
      this.log.warn({ err: loggableDbError(error) }, 'lease proof failed');
    } finally {
      this.proving = false;
    }
  }

  /** A proof arrived: the leases are safe for another LEASE_PROOF_TIMEOUT_MS. */
  private proven(): void {
    this.stopWatchdog();
    if (this.held.size === 0) return;
    const client = this.client;
    this.watchdog = setTimeout(() => {
      if (client) this.lostConnection(client, `no proof of the leases within ${this.options.proofTimeoutMs} ms`);
    }, this.options.proofTimeoutMs);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  /** The connection cannot prove anything any more: every lease counts as lost, and it is dropped. */
  private lostConnection(client: pg.Client, reason: string): void {
    if (client !== this.client) return;
    this.client = null;
    if (this.proofTimer) clearInterval(this.proofTimer);
    this.proofTimer = null;
    this.stopWatchdog();
    const keys = [...this.held];
    this.held.clear();
    // Ending it also makes PostgreSQL release whatever it still holds as soon as it notices.
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.log.error({ reason, leases: keys.length }, 'lease connection lost; every node lease counts as lost');
    if (keys.length > 0) this.notify(keys, reason);
  }

  private notify(keys: readonly number[], reason: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(keys, reason);
      } catch (error) {
        this.log.error({ err: error }, 'lease loss listener threw');
      }
    }
  }
}
