// The backend's ARI connection: health-gated start, registration, readiness
// that follows reality, recovery from restarts and dead sockets, and the
// ApplicationReplaced rule, all against the ARI fake over real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ARI_PASSWORD, GATEWAY_TOKEN, startSystem, type TestSystem } from '../support/test-system.js';
import { waitUntil } from '../kit/wait.js';

let system: TestSystem | null = null;
afterEach(async () => {
  await system?.stop();
  system = null;
});

function upgrades(s: TestSystem) {
  return s.fake.requests.filter((r) => r.kind === 'events-ws' && r.status === 101);
}

describe('registration and health gating', () => {
  it('registers the Stasis app and reports ready', async () => {
    system = await startSystem();
    await system.waitReady();
    expect(system.fake.isRegistered('prosaas_ai')).toBe(true);
    const { body } = await system.ready();
    expect(body).toMatchObject({ status: 'ready', reasons: [] });
    // The registration was confirmed through the application resource.
    expect(system.fake.requests.some((r) => r.method === 'GET' && r.path === '/ari/applications/prosaas_ai' && r.status === 200)).toBe(true);
    expect(system.fake.violations).toEqual([]);
  });

  it('waits for Asterisk when started first, then becomes ready once it is up', async () => {
    system = await startSystem({ deferFake: true });
    const early = await system.ready();
    expect(early.status).toBe(503);
    expect(early.body.reasons.join(' ')).toMatch(/^ari: /);
    await waitUntil(() => system!.logs.entries('ARI not available; retrying').length >= 2, {
      what: 'one log line per attempt while Asterisk is down',
    });
    await system.startFake();
    await system.waitReady('readiness after Asterisk came up');
    expect(system.fake.isRegistered()).toBe(true);
  });

  it('answers /health at once, whatever the state of Asterisk', async () => {
    system = await startSystem({ deferFake: true });
    const response = await fetch(`${system.backend.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('readiness follows reality', () => {
  it('drops while Asterisk restarts and comes back with the app re-registered', async () => {
    system = await startSystem();
    await system.waitReady();
    const restart = system.fake.restart({ downMs: 600 });
    await waitUntil(async () => (await system!.ready()).status === 503, { what: 'not ready while Asterisk is down' });
    expect(system.fake.isRegistered()).toBe(false);
    await restart;
    await system.waitReady('ready again after the restart');
    expect(system.fake.isRegistered()).toBe(true);
    expect(upgrades(system).length).toBeGreaterThanOrEqual(2);
  });

  it('detects a silently dead socket and reconnects', async () => {
    system = await startSystem();
    await system.waitReady();
    const before = upgrades(system).length;
    system.fake.goSilent();
    await waitUntil(() => system!.backend.ari.status.state !== 'connected', {
      timeoutMs: 5_000,
      what: 'the dead socket to be detected',
    });
    // Found by the keep-alive (ARI_PONG_TIMEOUT_MS of the tests), not by a closed connection:
    // a silent socket never closes by itself.
    expect(system.backend.ari.status.lastError).toMatch(/^ARI events socket unresponsive: no pong within \d+ ms$/);
    system.fake.resume();
    await system.waitReady('ready again after the dead socket');
    expect(upgrades(system).length).toBeGreaterThan(before);
    expect(system.fake.isRegistered()).toBe(true);
  });

  it('reports the database when it becomes unreachable', async () => {
    system = await startSystem({ databaseProxy: true });
    await system.waitReady();
    system.proxy!.pause();
    await waitUntil(async () => (await system!.ready()).body.reasons.some((r) => r.startsWith('database: ')), {
      what: 'not ready while the database is unreachable',
    });
    system.proxy!.resume();
    await system.waitReady('ready again with the database back');
  });
});

describe('credentials and secrets', () => {
  it('keeps retrying on rejected credentials, says so, and never logs a secret', async () => {
    system = await startSystem();
    await system.waitReady();
    system.fake.refuseCredentials(true);
    await system.fake.restart({ downMs: 50 });
    await waitUntil(async () => /credentials/i.test((await system!.ready()).body.reasons.join(' ')), {
      what: 'readiness to name the rejected credentials',
    });
    system.fake.refuseCredentials(false);
    await system.waitReady('ready once the credentials are accepted again');
    const logText = system.logs.lines().join('\n');
    expect(logText).not.toContain(ARI_PASSWORD);
    expect(logText).not.toContain(Buffer.from(`asterisk:${ARI_PASSWORD}`).toString('base64'));
    expect(logText).not.toContain(GATEWAY_TOKEN);
  });
});

describe('ApplicationReplaced', () => {
  it('reports not ready, does not fight over the name, and re-registers once it is free', async () => {
    system = await startSystem();
    await system.waitReady();
    const other = new WebSocket(`ws://127.0.0.1:${system.fake.port}/ari/events?app=prosaas_ai&subscribeAll=false`, {
      headers: { authorization: `Basic ${Buffer.from(`asterisk:${ARI_PASSWORD}`).toString('base64')}` },
    });
    await new Promise((resolve, reject) => other.once('open', resolve).once('error', reject));
    await waitUntil(() => system!.backend.ari.status.state === 'replaced', { what: 'the backend to see ApplicationReplaced' });
    const { status, body } = await system.ready();
    expect(status).toBe(503);
    expect(body.reasons.join(' ')).toContain('another process');
    expect(system.logs.lines().some((l) => l.includes('"level":"error"') && /another process|replaced/i.test(l))).toBe(true);

    // While the other process holds the name the backend only checks whether it is free.
    const replacedSeq = system.fake.requests.at(-1)?.seq ?? 0;
    await waitUntil(
      () =>
        system!.fake.requests.filter((r) => r.seq > replacedSeq && r.method === 'GET' && r.path === '/ari/applications/prosaas_ai')
          .length >= 2,
      { what: 'two checks of the application name while replaced' },
    );
    const otherClosedAt = performance.now();
    other.close();
    await system.waitReady('ready again once the name is free');
    const all = upgrades(system);
    expect(all.length).toBeGreaterThanOrEqual(3);
    // The backend's first registration, the other process, then only registrations after it left.
    expect(all.slice(2).every((r) => r.atMs >= otherClosedAt)).toBe(true);
  });
});
