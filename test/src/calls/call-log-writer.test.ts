import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CallLogWriter, CallLogWriterClosedError, type CallLogStore } from '../../../src/calls/call-log-writer.js';
import { newInboundRecord, type CallRecord } from '../../../src/calls/call-record.js';

const logger = pino({ level: 'silent' });

function record(id: string, status: CallRecord['status'] = 'ringing'): CallRecord {
  return {
    ...newInboundRecord({
      id,
      channelId: `chan-${id}`,
      businessId: null,
      fromNumber: null,
      toNumber: '+19863334949',
      status: 'ringing',
      createdAt: new Date(0),
    }),
    status,
  };
}

class TransientError extends Error {}

/** A store whose availability the test controls; it keeps what was written. */
class ScriptedStore implements CallLogStore {
  readonly rows = new Map<string, CallRecord>();
  writes = 0;
  down = false;
  refuse: ((r: CallRecord) => boolean) | null = null;
  private onWrite: (() => void)[] = [];

  save(r: CallRecord): Promise<void> {
    this.writes += 1;
    for (const notify of this.onWrite.splice(0)) notify();
    if (this.down) return Promise.reject(new TransientError('connection refused'));
    if (this.refuse?.(r)) return Promise.reject(new Error('check constraint violated'));
    this.rows.set(r.id, r);
    return Promise.resolve();
  }

  nextWrite(): Promise<void> {
    return new Promise((resolve) => this.onWrite.push(resolve));
  }
}

function writerFor(store: ScriptedStore): CallLogWriter {
  return new CallLogWriter({
    store,
    logger,
    isTransient: (e) => e instanceof TransientError,
    retryMinMs: 5,
    retryMaxMs: 20,
  });
}

describe('CallLogWriter', () => {
  it('stores a record and resolves the save', async () => {
    const store = new ScriptedStore();
    const writer = writerFor(store);
    await writer.save(record('a'));
    expect(store.rows.get('a')?.status).toBe('ringing');
    expect(writer.pending()).toEqual([]);
  });

  it('coalesces saves of one call so the latest state wins', async () => {
    const store = new ScriptedStore();
    const writer = writerFor(store);
    const saves = [writer.save(record('a', 'ringing')), writer.save(record('a', 'answered')), writer.save(record('a', 'completed'))];
    await Promise.all(saves);
    expect(store.rows.get('a')?.status).toBe('completed');
    expect(store.writes).toBeLessThanOrEqual(2);
  });

  it('retries through an outage and lands the latest state once the store is back', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const writer = writerFor(store);
    const first = writer.save(record('a', 'ringing'));
    await store.nextWrite();
    await store.nextWrite(); // a retry happened while down
    const last = writer.save(record('a', 'completed'));
    expect(writer.pending().map((r) => r.status)).toEqual(['completed']);
    store.down = false;
    await Promise.all([first, last]);
    expect(store.rows.get('a')?.status).toBe('completed');
  });

  it('rejects a save the store refuses permanently and keeps serving later saves', async () => {
    const store = new ScriptedStore();
    store.refuse = (r) => r.status === 'answered';
    const writer = writerFor(store);
    await expect(writer.save(record('a', 'answered'))).rejects.toThrow('check constraint');
    await writer.save(record('a', 'failed'));
    expect(store.rows.get('a')?.status).toBe('failed');
  });

  it('flush reports what is unsaved and close rejects the waiting saves', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const writer = writerFor(store);
    const pending = writer.save(record('b', 'completed'));
    expect((await writer.flush(30)).map((r) => r.id)).toEqual(['b']);
    writer.close();
    await expect(pending).rejects.toBeInstanceOf(CallLogWriterClosedError);
    await expect(writer.save(record('c'))).rejects.toBeInstanceOf(CallLogWriterClosedError);
  });
});
