// How long the call manager keeps an ended call known to the internal API:
// the gateway's reports that trail the end of a call are accepted for
// `endedCallGraceMs`, then the call id names no call. Driven by a controlled
// clock, with a call that really ends (an unroutable number, against the ARI fake).
import { testCallSettings } from '../../support/doubles/call-settings.js';
import { AiShareRouter } from '../../../src/calls/ai-share-router.js';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AriRest } from '../../../src/ari/rest.js';
import { CallLogWriter } from '../../../src/calls/call-log-writer.js';
import { CallManager } from '../../../src/calls/call-manager.js';
import type { CallRecord } from '../../../src/calls/call-record.js';
import { MediaGatewayClient } from '../../../src/media-gateway/client.js';
import { FakeAsterisk } from '../../fakes/ari/index.js';
import { stasisStart } from '../../support/ari-events.js';
import { freePort } from '../../kit/ports.js';
import { waitUntil } from '../../kit/wait.js';

const logger = pino({ level: 'silent' });
const GRACE_MS = 60_000;

let fake: FakeAsterisk | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

describe('ended calls known to the internal API', () => {
  it('stay known for the grace period after their end, then are unknown', async () => {
    fake = await FakeAsterisk.start();
    let nowMs = Date.parse('2026-11-21T10:00:00.000Z');
    const callId = randomUUID();
    const ids = [callId];
    const stored: CallRecord[] = [];
    const manager = new CallManager({
      ari: new AriRest({ httpBase: fake.url, username: fake.username, password: fake.password, requestTimeoutMs: 2_000, logger }),
      media: new MediaGatewayClient({ url: `http://127.0.0.1:${await freePort()}`, token: 'unused-gateway-token', timeoutMs: 500 }),
      writer: new CallLogWriter({ store: { save: (record) => Promise.resolve(void stored.push(record)) }, logger, isTransient: () => false }),
      directory: { findByNumber: () => Promise.resolve(null), findById: () => Promise.resolve(null) },
      settings: testCallSettings(),
      aiShare: new AiShareRouter(),
      logger,
      now: () => new Date(nowMs),
      newId: () => ids.shift() ?? randomUUID(),
      endedCallGraceMs: GRACE_MS,
    });
    expect(manager.lookup(callId)).toEqual({ state: 'unknown' });

    // A call to a number no business owns ends at once (hung up, logged unrouted).
    manager.handleEvent(stasisStart({ args: ['inbound', '+15550009999'] }));
    expect(manager.lookup(callId).state).toBe('live');
    await waitUntil(() => manager.lookup(callId).state !== 'live', { what: 'the unrouted call to end' });
    expect(stored.at(-1)).toMatchObject({ id: callId, status: 'unrouted' });

    nowMs += GRACE_MS - 1;
    expect(manager.lookup(callId)).toEqual({ state: 'recently_ended', turnSeqOffset: 0 });
    nowMs += 1;
    expect(manager.lookup(callId)).toEqual({ state: 'unknown' });
    expect(fake.violations).toEqual([]);
  });
});
