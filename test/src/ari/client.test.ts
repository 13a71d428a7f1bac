// AriClient against FakeAsterisk (test/fakes/ari), which speaks ARI's REST and events-websocket
// wire protocol on 127.0.0.1 the way the recorded Asterisk 22.10.1 does.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AriClient, type AriStatus } from '../../../src/ari/client.js';
import type { AriEvent, StasisStartEvent } from '../../../src/ari/types.js';
import { FakeAsterisk } from '../../fakes/ari/index.js';
import { freePort as closedPort } from '../../kit/ports.js';
import { waitUntil } from '../../kit/wait.js';

const APP = 'prosaas_ai';
const USERNAME = 'asterisk';
const PASSWORD = 'Sup3r-s3cret-pw';
const BASIC_TOKEN = Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64');
const PING_INTERVAL_MS = 200;
const PONG_TIMEOUT_MS = 200;
const WAIT_MS = 5_000;

interface LogCapture {
  logger: Logger;
  text(): string;
  entries(): Record<string, unknown>[];
}

function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    logger: pino({ level: 'debug' }, stream),
    text,
    entries: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Resolves when predicate(status) holds, re-checked on every status change. */
function waitForStatus(client: AriClient, predicate: (status: AriStatus) => boolean, what: string): Promise<void> {
  if (predicate(client.status)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = client.onStatus((status) => {
      if (!predicate(status)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}; status: ${JSON.stringify(client.status)}`));
    }, WAIT_MS);
  });
}

/** Resolves with the first delivered event matching predicate. */
function nextEvent<T extends AriEvent>(client: AriClient, predicate: (event: AriEvent) => event is T, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const stop = client.onEvent((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, WAIT_MS);
  });
}

/** Short polling loop bounded by WAIT_MS, for conditions on the client side (events received). */
function pollUntil(predicate: () => boolean, what: string): Promise<void> {
  return waitUntil(predicate, { timeoutMs: WAIT_MS, what });
}

describe('AriClient against FakeAsterisk', () => {
  const fakes: FakeAsterisk[] = [];
  const clients: AriClient[] = [];
  const cleanups: (() => void | Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const fake of fakes.splice(0)) {
      const violations = [...fake.violations];
      await fake.close();
      expect(violations).toEqual([]);
    }
  });

  async function startFake(port?: number): Promise<FakeAsterisk> {
    const fake = await FakeAsterisk.start({ username: USERNAME, password: PASSWORD, ...(port ? { port } : {}) });
    fakes.push(fake);
    return fake;
  }

  function makeClient(url: string, logs: LogCapture = captureLogs(), password = PASSWORD): AriClient {
    const client = new AriClient({
      url,
      username: USERNAME,
      password,
      appName: APP,
      requestTimeoutMs: 1_000,
      pingIntervalMs: PING_INTERVAL_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      replacedCheckMs: 100,
      logger: logs.logger,
      random: () => 0.5,
    });
    clients.push(client);
    return client;
  }

  function upgrades(fake: FakeAsterisk): number {
    return fake.requests.filter((request) => request.kind === 'events-ws' && request.status === 101).length;
  }

  it('health-gates, opens the events socket and confirms registration', async () => {
    const fake = await startFake();
    const client = makeClient(`${fake.url}/ari/`);
    const states: string[] = [];
    client.onStatus((status) => states.push(status.state));
    expect(client.status.state).toBe('idle');

    client.start();
    await client.waitForState('connected', WAIT_MS);
    expect(client.status).toMatchObject({ state: 'connected', registered: true, connectAttempts: 0, malformedEvents: 0 });
    expect(client.status.connectedAt).toEqual(expect.any(Number));
    expect(fake.isRegistered(APP)).toBe(true);
    expect(fake.openSocketCount()).toBe(1);
    expect(states).toEqual(['waiting_for_asterisk', 'connecting', 'connected']);

    const sequence = fake.requests.map((request) => `${request.method} ${request.path} ${request.status}`);
    expect(sequence[0]).toBe('GET /ari/asterisk/ping 200');
    const upgrade = fake.requests.find((request) => request.kind === 'events-ws');
    expect(upgrade).toMatchObject({ path: '/ari/events', query: { app: APP, subscribeAll: 'false' }, status: 101 });
    expect(fake.restRequests({ method: 'GET', pathPrefix: `/ari/applications/${APP}` }).at(-1)?.status).toBe(200);

    await client.close();
    await client.close();
    expect(client.status).toMatchObject({ state: 'closed', registered: false });
    await fake.waitFor(() => !fake.isRegistered(APP) && fake.openSocketCount() === 0, { what: 'socket closed', timeoutMs: WAIT_MS });
  });

  it('waits for Asterisk to come up, logging one line per attempt', async () => {
    const port = await closedPort();
    const logs = captureLogs();
    const client = makeClient(`http://127.0.0.1:${port}`, logs);
    client.start();
    await waitForStatus(client, (status) => status.connectAttempts >= 3, 'three failed attempts');
    expect(client.status.state).toBe('waiting_for_asterisk');
    expect(client.status.lastError).toContain(`connection refused (127.0.0.1:${port})`);

    const fake = await startFake(port);
    await client.waitForState('connected', WAIT_MS);
    expect(client.status.registered).toBe(true);
    expect(fake.isRegistered(APP)).toBe(true);

    const retries = logs.entries().filter((entry) => entry.msg === 'ARI not available; retrying');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    retries.forEach((entry, index) => {
      expect(entry).toMatchObject({ attempt: index + 1, reason: 'unreachable', nextDelayMs: expect.any(Number) });
    });
  });

  it('recovers after Asterisk restarts and registers the app again', async () => {
    const fake = await startFake();
    const client = makeClient(fake.url);
    client.start();
    await client.waitForState('connected', WAIT_MS);
    let lostConnection = false;
    client.onStatus((status, previous) => {
      if (previous.state === 'connected' && status.state !== 'connected') lostConnection = true;
    });
    const upgradesBefore = upgrades(fake);

    await fake.restart({ downMs: 300 });
    await waitForStatus(client, (status) => lostConnection && status.state === 'connected' && status.registered, 'reconnected');
    expect(fake.isRegistered(APP)).toBe(true);
    expect(upgrades(fake)).toBeGreaterThan(upgradesBefore);
  });

  it('declares a silent socket dead within ping + pong timeout and reconnects', async () => {
    const fake = await startFake();
    const logs = captureLogs();
    const client = makeClient(fake.url, logs);
    client.start();
    await client.waitForState('connected', WAIT_MS);

    const silentAt = performance.now();
    fake.goSilent();
    await client.waitForState('disconnected', WAIT_MS);
    const detectedMs = performance.now() - silentAt;
    expect(detectedMs).toBeLessThan(PING_INTERVAL_MS + PONG_TIMEOUT_MS + 150);
    expect(client.status.lastError).toContain('no pong');
    expect(logs.entries().some((entry) => entry.msg === 'ARI events socket lost; reconnecting' && entry.kind === 'dead')).toBe(true);

    fake.resume();
    await waitForStatus(client, (status) => status.state === 'connected' && status.registered, 'reconnected after silence');
    expect(fake.isRegistered(APP)).toBe(true);
  });

  it('never connects with rejected credentials, says so, and keeps the password out of the logs', async () => {
    const fake = await startFake();
    fake.refuseCredentials(true);
    const logs = captureLogs();
    const client = makeClient(fake.url, logs);
    const states = new Set<string>();
    client.onStatus((status) => states.add(status.state));
    client.start();
    await waitForStatus(client, (status) => status.connectAttempts >= 3, 'three rejected attempts');

    expect(states.has('connected')).toBe(false);
    expect(client.status.registered).toBe(false);
    expect(client.status.lastError).toMatch(/credentials rejected/);
    const rejected = logs.entries().filter((entry) => entry.msg === 'ARI credentials rejected by Asterisk; retrying');
    expect(rejected.length).toBeGreaterThanOrEqual(3);
    expect(rejected[0]).toMatchObject({ level: 50, attempt: 1, reason: 'unauthorized' });
    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.text()).not.toContain(BASIC_TOKEN);
    expect(fake.isRegistered(APP)).toBe(false);

    fake.refuseCredentials(false);
    await client.waitForState('connected', WAIT_MS);
    expect(logs.text()).not.toContain(PASSWORD);
  });

  it('steps aside on ApplicationReplaced and re-registers once the name is free', async () => {
    const fake = await startFake();
    const logs = captureLogs();
    const client = makeClient(fake.url, logs);
    client.start();
    await client.waitForState('connected', WAIT_MS);
    const upgradesBefore = upgrades(fake);

    const other = new WebSocket(`ws://127.0.0.1:${fake.port}/ari/events?app=${APP}&subscribeAll=false`, {
      headers: { authorization: `Basic ${BASIC_TOKEN}` },
    });
    cleanups.push(() => other.terminate());
    await client.waitForState('replaced', WAIT_MS);
    expect(client.status.registered).toBe(false);
    expect(logs.entries().some((entry) => entry.level === 50 && String(entry.msg).includes('another process'))).toBe(true);
    expect(fake.openSocketCount()).toBe(2);

    // Several name checks go by while the other process holds the name: no reconnect attempt.
    const checksBefore = fake.restRequests({ method: 'GET', pathPrefix: `/ari/applications/${APP}` }).length;
    await fake.waitFor(
      () => fake.restRequests({ method: 'GET', pathPrefix: `/ari/applications/${APP}` }).length >= checksBefore + 3,
      { what: 'three name checks', timeoutMs: WAIT_MS },
    );
    expect(client.status.state).toBe('replaced');
    expect(upgrades(fake)).toBe(upgradesBefore + 1);
    expect(fake.openSocketCount()).toBe(2);

    other.close(1000);
    await waitForStatus(client, (status) => status.state === 'connected' && status.registered, 're-registered');
    expect(fake.isRegistered(APP)).toBe(true);
    expect(upgrades(fake)).toBe(upgradesBefore + 2);
    await fake.waitFor(() => fake.openSocketCount() === 1, { what: 'stale socket closed', timeoutMs: WAIT_MS });
  });

  it('keeps delivering events when a handler throws', async () => {
    const fake = await startFake();
    const logs = captureLogs();
    const client = makeClient(fake.url, logs);
    client.onEvent(() => {
      throw new Error('handler bug');
    });
    client.onEvent(() => Promise.reject(new Error('async handler bug')));
    client.start();
    await client.waitForState('connected', WAIT_MS);

    const isStasisStart = (event: AriEvent): event is StasisStartEvent => event.type === 'StasisStart';
    const first = nextEvent(client, isStasisStart, 'first StasisStart');
    const call = fake.placeCall({ to: '+19863334949' });
    expect((await first).channel.id).toBe(call.channelId);
    const second = nextEvent(client, isStasisStart, 'second StasisStart');
    const secondCall = fake.placeCall({ to: '+19863334949' });
    expect((await second).channel.id).toBe(secondCall.channelId);

    expect(client.status.state).toBe('connected');
    await waitForStatus(client, () => logs.entries().filter((entry) => entry.msg === 'ARI event handler threw; ignored').length >= 4, 'handler errors logged');
  });

  it('drives a call through the typed REST methods', async () => {
    const fake = await startFake();
    const client = makeClient(fake.url);
    const starts: StasisStartEvent[] = [];
    client.onEvent((event) => {
      if (event.type === 'StasisStart') starts.push(event);
    });
    client.start();
    await client.waitForState('connected', WAIT_MS);
    const { rest } = client;

    expect((await rest.ping()).asterisk_id).toEqual(expect.any(String));
    expect((await rest.getApplication(APP))?.name).toBe(APP);
    expect(await rest.getApplication('nobody_registered_this')).toBeNull();

    const call = fake.placeCall({ to: '+19863334949' });
    await pollUntil(() => starts.length === 1, 'caller StasisStart');
    expect(starts[0]?.args).toEqual(['inbound', '+19863334949']);

    await rest.answer(call.channelId);
    expect((await rest.getChannel(call.channelId))?.state).toBe('Up');
    expect(await rest.getChannel('no-such-channel')).toBeNull();

    const bridge = await rest.createBridge({ type: 'mixing', name: `call-${call.channelId}` });
    expect(bridge).toMatchObject({ bridge_type: 'mixing', name: `call-${call.channelId}`, channels: [] });

    const media = await rest.externalMedia({ transport: 'rtp', app: APP, externalHost: '127.0.0.1:40000', format: 'ulaw' });
    expect(media.name).toMatch(/^UnicastRTP\//);
    const localPort = await rest.getChannelVar(media.id, 'UNICASTRTP_LOCAL_PORT');
    expect(Number(localPort)).toBeGreaterThan(0);
    expect(await rest.getChannelVar('no-such-channel', 'UNICASTRTP_LOCAL_PORT')).toBeNull();
    await pollUntil(() => starts.some((start) => start.channel.id === media.id), 'externalMedia StasisStart');

    await rest.addChannels(bridge.id, [call.channelId, media.id]);
    expect((await rest.getBridge(bridge.id))?.channels.sort()).toEqual([call.channelId, media.id].sort());
    expect((await rest.listChannels()).map((channel) => channel.id)).toEqual(expect.arrayContaining([call.channelId, media.id]));

    expect(await rest.hangup(media.id)).toBe(true);
    expect(await rest.hangup(media.id)).toBe(false);
    expect(await rest.destroyBridge(bridge.id)).toBe(true);
    expect(await rest.destroyBridge(bridge.id)).toBe(false);
    expect(await rest.getBridge(bridge.id)).toBeNull();

    await rest.continueInDialplan(call.channelId, { context: 'from-twilio', extension: 's', priority: 1 });
    await fake.waitFor(() => fake.channel(call.channelId)?.inStasis === false, { what: 'caller left Stasis', timeoutMs: WAIT_MS });

    await expect(rest.answer('no-such-channel')).rejects.toMatchObject({
      kind: 'not_found',
      status: 404,
      message: 'ARI POST /channels/no-such-channel/answer failed: 404 Channel not found',
    });
    fake.failNext('POST', /\/bridges$/, { status: 500, message: 'Unable to create bridge' });
    await expect(rest.createBridge({ type: 'mixing' })).rejects.toMatchObject({ kind: 'server_error', retryable: true });
  });
});
