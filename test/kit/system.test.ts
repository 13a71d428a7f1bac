// The kit's system with each program in its own process, as the bench runs
// it: a call through both programs and the echo agent, logs that keep the
// credentials out, and a stop that leaves no process and no temporary file.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db.js';
import { createBusiness, finalCallRow, placeBridgedCall } from './calls.js';
import { startSystem, type System } from './system.js';
import { waitUntil } from './wait.js';

const DIALED = '+19863334949';

let system: System<'child-process'> | null = null;
afterEach(async () => {
  await system?.stop();
  system = null;
});

describe('startSystem with the programs in their own processes', () => {
  // Two programs start, each compiling its sources with tsx: a minute on a loaded machine.
  it('connects a call through both programs and stops without leaving anything behind', { timeout: 90_000 }, async () => {
    const database = await createTestDatabase();
    const s = (system = await startSystem({
      placement: 'child-process',
      database: { url: database.url, description: 'test database', close: () => database.drop() },
      agent: 'echo',
      logLevel: 'info',
      keepOutput: true,
    }));
    await s.waitReady();
    await createBusiness(s.db.prisma, 'Echo Co', [DIALED]);

    const call = await placeBridgedCall(s.asterisk, { from: '+15551230000', to: DIALED });
    s.asterisk.startCallerAudio(call.mediaId);
    // The echo agent sends the caller's audio back: RTP went through the gateway process both ways.
    await waitUntil(() => s.asterisk.rtpReceived(call.mediaId).packets >= 25, { what: 'the echoed audio' });
    s.asterisk.hangupCaller(call.channelId);
    expect((await finalCallRow(s.db.prisma, call.channelId)).status).toBe('completed');

    const output = `${s.backend.output()}${s.gateway.output()}`;
    expect(s.backend.output()).toContain('HTTP API listening');
    expect(s.gateway.output()).toContain('media gateway listening');
    expect(output).not.toContain(s.credentials.ariPassword);
    expect(output).not.toContain(s.credentials.gatewayToken);
    expect(s.asterisk.violations).toEqual([]);

    await s.stop();
    // Both stopped on SIGTERM, in order, not killed.
    expect(await s.backend.exited).toEqual({ code: 0, signal: null });
    expect(await s.gateway.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(s.recordingsDir)).toBe(false);
  });
});
