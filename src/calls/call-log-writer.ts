// Persists CallLog records without ever blocking a call on the database and
// without losing a record when the database goes away for a while.
//
// Per call, only the newest record matters: saves are coalesced, and each write
// stores the whole record (an upsert), so after an outage one write lands the
// latest state. Connection-level failures are retried with capped backoff until
// they succeed or the writer is closed; any other failure is permanent and is
// reported to the caller of save() (the call then ends `failed`).
import type { Logger } from 'pino';
import { backoffDelayMs } from '../timing/backoff.js';
import { sleep } from '../timing/sleep.js';
import type { CallRecord } from './call-record.js';

export interface CallLogStore {
  /** Inserts or updates the whole row for `record.id`. */
  save(record: CallRecord): Promise<void>;
}

export interface CallLogWriterOptions {
  store: CallLogStore;
  logger: Logger;
  isTransient: (error: unknown) => boolean;
  retryMinMs?: number;
  retryMaxMs?: number;
  random?: () => number;
}

interface Waiter {
  version: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Entry {
  latest: CallRecord;
  version: number;
  settledVersion: number;
  waiters: Waiter[];
  running: boolean;
  /** Forgotten (the call is another replica's now): no further attempt. */
  dropped: boolean;
}

export class CallLogWriterClosedError extends Error {
  constructor() {
    super('call log writer is closed');
    this.name = 'CallLogWriterClosedError';
  }
}

const DEFAULT_RETRY_MIN_MS = 200;
const DEFAULT_RETRY_MAX_MS = 5_000;

export class CallLogWriter {
  private readonly entries = new Map<string, Entry>();
  /** Aborted by close(): cuts every retry pause short. */
  private readonly shutdown = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  private outage = false;

  constructor(private readonly options: CallLogWriterOptions) {}

  /**
   * Stores `record` (or a newer state of the same call saved meanwhile).
   * Resolves once stored; rejects when the database refuses it permanently.
   */
  save(record: CallRecord): Promise<void> {
    if (this.closed) return Promise.reject(new CallLogWriterClosedError());
    let entry = this.entries.get(record.id);
    if (!entry) {
      entry = { latest: record, version: 0, settledVersion: 0, waiters: [], running: false, dropped: false };
      this.entries.set(record.id, entry);
    }
    entry.latest = record;
    entry.version += 1;
    const version = entry.version;
    const done = new Promise<void>((resolve, reject) => entry.waiters.push({ version, resolve, reject }));
    if (!entry.running) void this.drain(entry);
    return done;
  }

  /** Records not stored yet (waiting for the database). */
  pending(): CallRecord[] {
    return [...this.entries.values()].map((entry) => entry.latest);
  }

  /** Waits until every record is stored or `timeoutMs` passes; returns what is still unsaved. */
  async flush(timeoutMs: number): Promise<CallRecord[]> {
    if (this.entries.size > 0) {
      let wake = (): void => {};
      const idle = new Promise<void>((resolve) => {
        wake = resolve;
        this.idleWaiters.add(resolve);
      });
      const timer = setTimeout(wake, timeoutMs);
      await idle;
      clearTimeout(timer);
      this.idleWaiters.delete(wake);
    }
    return this.pending();
  }

  /**
   * Gives up the records of these calls without storing them: their node's lease was lost, and
   * the replica that adopts them writes their rows from now on. A write already in flight may
   * still land (a closed row never changes again, see call-log-store.ts).
   */
  forget(callIds: Iterable<string>): void {
    for (const id of callIds) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      entry.dropped = true;
      this.entries.delete(id);
      for (const waiter of entry.waiters) waiter.reject(new CallLogWriterClosedError());
      entry.waiters = [];
    }
    if (this.entries.size === 0) for (const wake of this.idleWaiters) wake();
  }

  /** Stops retrying. Records still unsaved are logged in full so that nothing is lost silently. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort();
    for (const entry of this.entries.values()) {
      this.options.logger.error({ record: entry.latest }, 'call log record could not be stored before shutdown');
      for (const waiter of entry.waiters) waiter.reject(new CallLogWriterClosedError());
      entry.waiters = [];
    }
    for (const wake of this.idleWaiters) wake();
  }

  private async drain(entry: Entry): Promise<void> {
    entry.running = true;
    let attempt = 0;
    while (entry.settledVersion < entry.version && !this.closed && !entry.dropped) {
      const version = entry.version;
      const record = entry.latest;
      try {
        await this.options.store.save(record);
        this.settle(entry, version, null);
        attempt = 0;
        if (this.outage) {
          this.outage = false;
          this.options.logger.info('database writes recovered');
        }
      } catch (error) {
        if (!this.options.isTransient(error)) {
          this.settle(entry, version, error);
          continue;
        }
        if (!this.outage) {
          this.outage = true;
          this.options.logger.warn({ err: error }, 'database unavailable; call log writes will be retried');
        }
        await this.pause(attempt);
        attempt += 1;
      }
    }
    entry.running = false;
    if (entry.dropped) return;
    if (entry.settledVersion >= entry.version) {
      this.entries.delete(entry.latest.id);
      if (this.entries.size === 0) for (const wake of this.idleWaiters) wake();
    }
  }

  private settle(entry: Entry, version: number, error: unknown): void {
    entry.settledVersion = version;
    const remaining: Waiter[] = [];
    for (const waiter of entry.waiters) {
      if (waiter.version > version) remaining.push(waiter);
      else if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
    entry.waiters = remaining;
  }

  private pause(attempt: number): Promise<void> {
    const delayMs = backoffDelayMs(
      attempt,
      {
        minMs: this.options.retryMinMs ?? DEFAULT_RETRY_MIN_MS,
        maxMs: this.options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
      },
      this.options.random ?? Math.random,
    );
    return sleep(delayMs, this.shutdown.signal);
  }
}
