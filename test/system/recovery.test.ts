// Nothing is lost when things break: a crashed backend, a dead ARI socket
// during a call, an Asterisk restart, and a graceful shutdown.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../src/backend.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/index.js';
import type { MediaGateway } from '../../media/media-gateway.js';
import { FakeAsterisk } from '../fakes/ari/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { captureLogs } from '../support/log-capture.js';
import { ARI_PASSWORD, backendEnv, createBusiness, startGateway, startSystem, type TestSystem } from '../support/test-system.js';
import { finalCallRow as finalRow } from '../kit/calls.js';
import { startProgram } from '../kit/program-process.js';
import { tsxArgs } from '../kit/typescript-entry.js';
import { waitFor, waitUntil } from '../kit/wait.js';

const DIALED = '+19863334949';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The media path is bridged while the caller rings; the call is connected once it is also answered. */
async function bridgedCall(fake: FakeAsterisk, channelId: string) {
  return waitFor(() => (fake.channel(channelId)?.state === 'Up' ? fake.bridges().find((b) => b.channels.includes(channelId) && b.channels.length === 2) : undefined), {
    what: `call ${channelId} to be bridged and answered`,
  });
}

describe('a backend that crashed', () => {
  /** A first backend, as its own process, takes a call and is killed with SIGKILL mid-call. */
  async function crashMidCall() {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const direct = createDb(database.url);
    cleanups.push(() => direct.close());
    const fake = await FakeAsterisk.start({ password: ARI_PASSWORD, autoCallerAudio: true });
    cleanups.push(() => fake.close());
    const logs = captureLogs();
    const gateway: MediaGateway = await startGateway(logs.logger);
    cleanups.push(() => gateway.close());
    await createBusiness(direct.prisma, 'Acme Dental', [DIALED]);
    const env = backendEnv({
      ariUrl: fake.url,
      databaseUrl: database.url,
      gatewayUrl: `http://127.0.0.1:${gateway.http.port}`,
      extra: { LOG_LEVEL: 'warn' },
    });
    const { child } = startProgram('the first backend', [process.execPath, ...tsxArgs(fileURLToPath(new URL('../../src/main.ts', import.meta.url)))], {
      env: { ...process.env, ...env },
    });
    cleanups.push(() => Promise.resolve(child.kill('SIGKILL')));
    await waitUntil(() => fake.isRegistered(), { timeoutMs: 20_000, what: 'the child backend to register the app' });
    const call = fake.placeCall({ from: '+15551230000', to: DIALED });
    const bridge = await bridgedCall(fake, call.channelId);
    await waitUntil(async () => (await direct.prisma.callLog.findUnique({ where: { channelId: call.channelId } }))?.mediaSessionId != null, {
      what: 'the connected row',
    });
    child.kill('SIGKILL');
    await waitUntil(() => !fake.isRegistered(), { what: 'the app to be unregistered after the crash' });
    expect(gateway.sessions.size).toBe(1);
    return { fake, gateway, direct, env, logs, call, bridge };
  }

  it('the next start adopts the call in progress, which ends completed when the caller hangs up', async () => {
    const { fake, gateway, direct, env, logs, call, bridge } = await crashMidCall();
    const backend: Backend = await startBackend(loadConfig(env), logs.logger);
    cleanups.push(() => backend.stop());
    await waitUntil(() => backend.calls.activeCalls === 1 && backend.ari.status.state === 'connected', { what: 'the call to be adopted' });
    const mediaId = bridge.channels.find((id) => id !== call.channelId)!;
    const heard = fake.rtpHeard(mediaId).length;
    await waitUntil(() => fake.rtpHeard(mediaId).length >= heard + 25, { what: 'the caller to go on hearing the gateway' });
    expect(fake.channel(call.channelId)).toMatchObject({ live: true, bridgeId: bridge.id });
    expect(gateway.sessions.size).toBe(1);
    fake.hangupCaller(call.channelId);
    const row = await finalRow(direct.prisma, call.channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup', node: 'asterisk' });
    await waitUntil(() => fake.channels().length === 0 && fake.bridges().length === 0 && gateway.sessions.size === 0, {
      what: 'the adopted call to release everything',
    });
    expect(fake.restRequests({ method: 'DELETE', pathPrefix: `/ari/bridges/${bridge.id}` })).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it('ends interrupted a call whose caller left while no backend was there, and releases its channel, bridge and session', async () => {
    const { fake, gateway, direct, env, logs, call, bridge } = await crashMidCall();
    fake.hangupCaller(call.channelId); // nobody hears it
    const backend: Backend = await startBackend(loadConfig(env), logs.logger);
    cleanups.push(() => backend.stop());
    const row = await finalRow(direct.prisma, call.channelId);
    expect(row).toMatchObject({ status: 'interrupted', hangupCause: 'asterisk_disconnected' });
    expect(row.endedAt).not.toBeNull();
    await waitUntil(() => fake.channels().length === 0 && fake.bridges().length === 0, {
      what: 'the channels and bridge to be released',
    });
    expect(fake.restRequests({ method: 'DELETE', pathPrefix: `/ari/bridges/${bridge.id}` })).toHaveLength(1);
    await waitUntil(() => gateway.sessions.size === 0, { what: 'the gateway session to be closed' });
    expect(fake.violations).toEqual([]);
  });
});

describe('a call while the ARI connection breaks', () => {
  let system: TestSystem;
  afterEach(() => system?.stop());

  it('ends interrupted when the caller left while the socket was dead', async () => {
    system = await startSystem();
    cleanups.push(() => system.stop());
    await system.waitReady();
    await createBusiness(system.prisma, 'Acme Dental', [DIALED]);
    const call = system.fake.placeCall({ from: '+15551230000', to: DIALED });
    await bridgedCall(system.fake, call.channelId);

    system.fake.goSilent();
    system.fake.hangupCaller(call.channelId); // the event is lost with the socket
    await waitUntil(() => system.backend.ari.status.state !== 'connected', { what: 'the dead socket to be detected' });
    system.fake.resume();
    const row = await finalRow(system.prisma, call.channelId);
    expect(row).toMatchObject({ status: 'interrupted', hangupCause: 'asterisk_disconnected' });
    await waitUntil(() => system.fake.channels().length === 0 && system.fake.bridges().length === 0 && system.gateway.sessions.size === 0, {
      what: 'the call to be released after reconnecting',
    });
  });

  it('ends interrupted when Asterisk restarts during the call', async () => {
    system = await startSystem();
    cleanups.push(() => system.stop());
    await system.waitReady();
    await createBusiness(system.prisma, 'Acme Dental', [DIALED]);
    const call = system.fake.placeCall({ from: '+15551230000', to: DIALED });
    await bridgedCall(system.fake, call.channelId);
    await system.fake.restart({ downMs: 300 });
    const row = await finalRow(system.prisma, call.channelId);
    expect(row.status).toBe('interrupted');
    await waitUntil(() => system.gateway.sessions.size === 0, { what: 'the gateway session to be closed' });
    await system.waitReady();
  });

  it('survives malformed events without losing the connection or the call', async () => {
    system = await startSystem();
    cleanups.push(() => system.stop());
    await system.waitReady();
    await createBusiness(system.prisma, 'Acme Dental', [DIALED]);
    const call = system.fake.placeCall({ from: '+15551230000', to: DIALED });
    await bridgedCall(system.fake, call.channelId);
    system.fake.sendRawEvent('this is not json');
    system.fake.sendRawEvent(JSON.stringify({ no: 'type' }));
    system.fake.sendRawEvent(JSON.stringify({ type: 'StasisStart', channel: null }));
    await waitUntil(() => system.backend.ari.status.malformedEvents >= 2, { what: 'malformed events to be counted' });
    system.fake.hangupCaller(call.channelId);
    expect((await finalRow(system.prisma, call.channelId)).status).toBe('completed');
    expect(system.backend.ari.status.state).toBe('connected');
  });
});

describe('a graceful stop', () => {
  it('stops being ready, refuses new calls, lets active calls finish, then ends the rest', async () => {
    const system = await startSystem({ backendEnv: { SHUTDOWN_DRAIN_MS: '5000' } });
    cleanups.push(() => system.stop());
    await system.waitReady();
    await createBusiness(system.prisma, 'Acme Dental', [DIALED]);
    const active = system.fake.placeCall({ from: '+15551230000', to: DIALED });
    await bridgedCall(system.fake, active.channelId);

    const stopping = system.backend.stop();
    await waitUntil(async () => (await system.ready()).status === 503, { what: 'not ready while draining' });
    const late = system.fake.placeCall({ from: '+15551230001', to: DIALED });
    const lateRow = await finalRow(system.prisma, late.channelId);
    expect(lateRow).toMatchObject({ status: 'failed', hangupCause: 'backend_shutdown' });
    expect(system.fake.channel(late.channelId)?.hangupReason).toBe('congestion');

    system.fake.hangupCaller(active.channelId);
    await stopping;
    expect((await finalRow(system.prisma, active.channelId)).status).toBe('completed');
    expect(system.fake.isRegistered()).toBe(false);
  });
});
