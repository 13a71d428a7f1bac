// `npm start` as a process: configuration errors, signals during start-up and
// a double SIGTERM during shutdown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeAsterisk } from '../fakes/ari/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ARI_PASSWORD, backendEnv, GATEWAY_TOKEN } from '../support/test-system.js';
import { freePort } from '../kit/ports.js';
import { type ChildRunOptions, type ChildRun, runTsx } from '../kit/child-run.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const CHILD_TIMEOUT_MS = 30_000;
/** An empty working directory: no .env of the developer's is read. */
const EMPTY_DIR = mkdtempSync(join(tmpdir(), 'backend-main-'));
afterAll(() => rmSync(EMPTY_DIR, { recursive: true, force: true }));

function runMain(env: NodeJS.ProcessEnv, onStdout?: ChildRunOptions['onStdout']): Promise<ChildRun> {
  return runTsx(MAIN, [], {
    cwd: EMPTY_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeoutMs: CHILD_TIMEOUT_MS,
    onStdout,
  });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('src/main.ts', () => {
  it('exits 1 listing every configuration problem, without secrets', async () => {
    const run = await runMain({ ASTERISK_ARI_PASSWORD: ARI_PASSWORD, MEDIA_GATEWAY_TOKEN: 'short', PORT: 'x' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ASTERISK_ARI_USERNAME: is required');
    expect(run.stderr).toContain('MEDIA_GATEWAY_TOKEN');
    expect(run.stderr).toContain('PORT');
    expect(run.stderr + run.stdout).not.toContain(ARI_PASSWORD);
  }, CHILD_TIMEOUT_MS);

  it('stops at once on SIGTERM while waiting for an unreachable database', async () => {
    const env = backendEnv({
      ariUrl: `http://127.0.0.1:${await freePort()}`,
      databaseUrl: `postgresql://postgres:pw@127.0.0.1:${await freePort()}/none`,
      gatewayUrl: `http://127.0.0.1:${await freePort()}`,
    });
    const run = await runMain(env, (stdout, kill) => {
      if (stdout.includes('database not reachable yet')) kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('shutdown requested');
  }, CHILD_TIMEOUT_MS);

  it('shuts down in order on a double SIGTERM and unregisters the app', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const fake = await FakeAsterisk.start({ password: ARI_PASSWORD });
    cleanups.push(() => fake.close());
    const env = backendEnv({ ariUrl: fake.url, databaseUrl: database.url, gatewayUrl: 'http://127.0.0.1:9', extra: { LOG_LEVEL: 'info' } });
    let signalled = false;
    const run = await runMain(env, (stdout, kill) => {
      if (signalled || !stdout.includes('ARI connected; application registered')) return;
      signalled = true;
      // Two signals back to back (the kernel may merge them): either way the
      // shutdown must run to its end instead of being cut by the default action.
      kill('SIGTERM');
      kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    const messages = run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
    const order = ['shutdown requested', 'backend stopping', 'ARI client closed', 'backend stopped'];
    expect(messages.filter((m) => order.includes(m))).toEqual(order);
    expect(fake.isRegistered()).toBe(false);
    expect(run.stdout).not.toContain(ARI_PASSWORD);
    expect(run.stdout).not.toContain(GATEWAY_TOKEN);
  }, CHILD_TIMEOUT_MS);
});
