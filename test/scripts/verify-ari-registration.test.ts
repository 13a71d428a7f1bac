// scripts/verify_ari_registration.sh against the ARI fake: one exit code per
// situation ops must tell apart, and no secret in its output.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeAsterisk } from '../fakes/ari/index.js';
import { ARI_PASSWORD, startSystem } from '../support/test-system.js';
import { freePort } from '../kit/ports.js';
import { type ChildRun, runChild } from '../kit/child-run.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/verify_ari_registration.sh', import.meta.url));
const PASSWORD = 'verify-Secret-42';

/** Runs the script without blocking this process's event loop (the fake runs in it). */
function run(args: string[], env: Record<string, string>, cwd: string): Promise<ChildRun> {
  return runChild('bash', [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd });
}

let fake: FakeAsterisk;
let workDir: string;
const sockets: WebSocket[] = [];

function ariEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ASTERISK_ARI_URL: `${fake.url}/ari`,
    ASTERISK_ARI_USERNAME: 'asterisk',
    ASTERISK_ARI_PASSWORD: PASSWORD,
    ARI_APP_NAME: 'prosaas_ai',
    ...overrides,
  };
}

async function registerApp(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${fake.port}/ari/events?app=prosaas_ai`, {
    headers: { authorization: `Basic ${Buffer.from(`asterisk:${PASSWORD}`).toString('base64')}` },
  });
  sockets.push(ws);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await fake.waitFor(() => fake.isRegistered(), { what: 'registration' });
}

function expectNoSecret(result: ChildRun): void {
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
}

beforeAll(async () => {
  fake = await FakeAsterisk.start({ password: PASSWORD });
  workDir = mkdtempSync(join(tmpdir(), 'verify-ari-'));
});
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await fake.waitFor(() => !fake.isRegistered(), { what: 'unregistration' });
});
afterAll(async () => {
  await fake.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('verify_ari_registration.sh', () => {
  it('exits 0 with one OK line when the app is registered', async () => {
    await registerApp();
    const result = await run([], ariEnv(), workDir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^OK: ARI application 'prosaas_ai' is registered/);
    expectNoSecret(result);
  });

  it('exits 5 when the app is not registered', async () => {
    const result = await run([], ariEnv(), workDir);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("'prosaas_ai' is not registered");
  });

  it('exits 4 when the credentials are rejected, without printing the password', async () => {
    const result = await run([], ariEnv({ ASTERISK_ARI_PASSWORD: `${PASSWORD}-wrong` }), workDir);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('credentials rejected');
    expect(result.stdout + result.stderr).not.toContain(`${PASSWORD}-wrong`);
  });

  it('exits 3 when Asterisk is unreachable', async () => {
    const result = await run([], ariEnv({ ASTERISK_ARI_URL: `http://127.0.0.1:${await freePort()}` }), workDir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('unreachable');
  });

  it('exits 2 naming every missing variable', async () => {
    const result = await run([], { ENV_FILE: join(workDir, 'absent.env') }, workDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ASTERISK_ARI_URL ASTERISK_ARI_USERNAME ASTERISK_ARI_PASSWORD');
  });

  it('reads a .env file for what the environment does not set', async () => {
    await registerApp();
    const dir = mkdtempSync(join(workDir, 'envfile-'));
    const env = ariEnv();
    writeFileSync(
      join(dir, '.env'),
      `# comment\nASTERISK_ARI_URL=${env.ASTERISK_ARI_URL}\nASTERISK_ARI_USERNAME="asterisk"\nASTERISK_ARI_PASSWORD='${PASSWORD}'\n`,
    );
    const result = await run([], {}, dir);
    expect(result.code).toBe(0);
  });

  describe('--docker', () => {
    function fakeDocker(output: string, exitCode = 0): string {
      const dir = mkdtempSync(join(workDir, 'docker-'));
      const file = join(dir, 'docker');
      // Answers `docker compose -f <file> exec -T <service> asterisk -rx "ari show apps"` as Asterisk 22 prints it.
      writeFileSync(
        file,
        `#!/usr/bin/env bash\n[ "$1 $4 $5 $6 $7 $8" = 'compose exec -T asterisk asterisk -rx' ] && [ "$9" = 'ari show apps' ] || { echo "unexpected: $*" >&2; exit 99; }\nprintf '%s' '${output}'\nexit ${exitCode}\n`,
      );
      chmodSync(file, 0o755);
      return `${dir}:${process.env.PATH ?? ''}`;
    }

    it('exits 0 when the CLI lists the app too', async () => {
      await registerApp();
      const PATH = fakeDocker('Application Name         \n=========================\nprosaas_ai\n');
      const result = await run(['--docker'], { ...ariEnv(), PATH }, workDir);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('CLI lists it');
    });

    it('exits 7 when the CLI does not list the app', async () => {
      await registerApp();
      const PATH = fakeDocker('Application Name         \n=========================\n');
      const result = await run(['--docker'], { ...ariEnv(), PATH }, workDir);
      expect(result.code).toBe(7);
    });

    it('exits 7 when the CLI command fails', async () => {
      await registerApp();
      const PATH = fakeDocker('service "asterisk" is not running\n', 1);
      const result = await run(['--docker'], { ...ariEnv(), PATH }, workDir);
      expect(result.code).toBe(7);
      expect(result.stderr).toContain('is not running');
    });
  });
});

describe('verify_ari_registration.sh --backend', () => {
  it('checks the real backend: 0 when ready, 6 when not ready or unreachable', async () => {
    const system = await startSystem({ databaseProxy: true });
    try {
      await system.waitReady();
      const env = { ASTERISK_ARI_URL: system.fake.url, ASTERISK_ARI_USERNAME: 'asterisk', ASTERISK_ARI_PASSWORD: ARI_PASSWORD };
      const ok = await run(['--backend', system.backend.url], env, workDir);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('backend ready');

      // Registered in Asterisk, but the backend cannot reach its database.
      system.proxy!.pause();
      const notReady = await run(['--backend', system.backend.url], env, workDir);
      expect(notReady.code).toBe(6);
      expect(notReady.stderr).toContain('database');

      const unreachable = await run(['--backend', `http://127.0.0.1:${await freePort()}`], env, workDir);
      expect(unreachable.code).toBe(6);
      expect(unreachable.stderr).toContain('unreachable');
    } finally {
      await system.stop();
    }
  });
});

describe('several Asterisk nodes (ASTERISK_NODES)', () => {
  let other: FakeAsterisk;
  beforeAll(async () => {
    other = await FakeAsterisk.start({ password: 'other-Secret-77' });
  });
  afterAll(() => other.close());

  const nodesEnv = (): Record<string, string> => ({
    ASTERISK_NODES: `a=${fake.url},b-2=${other.url}/ari`,
    ASTERISK_ARI_USERNAME: 'asterisk',
    ASTERISK_ARI_PASSWORD: PASSWORD,
    ASTERISK_ARI_PASSWORD_B_2: 'other-Secret-77',
    ENV_FILE: join(workDir, 'absent.env'),
  });

  it('checks every node with its own credentials, one line each, and fails on the first node not registered', async () => {
    await registerApp();
    const result = await run([], nodesEnv(), workDir);
    expect(result.code).toBe(5);
    expect(result.stdout).toContain(`OK: node a: ARI application 'prosaas_ai' is registered at ${fake.url}`);
    expect(result.stderr).toContain(`FAIL: node b-2: ARI application 'prosaas_ai' is not registered at ${other.url}`);
    expect(result.stdout + result.stderr).not.toContain('other-Secret-77');
    expectNoSecret(result);
  });

  it('exits 0 once every node is registered, and checks one node with --node', async () => {
    await registerApp();
    const ws = new WebSocket(`ws://127.0.0.1:${other.port}/ari/events?app=prosaas_ai`, {
      headers: { authorization: `Basic ${Buffer.from('asterisk:other-Secret-77').toString('base64')}` },
    });
    sockets.push(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await other.waitFor(() => other.isRegistered(), { what: 'registration on the other node' });
    const all = await run([], nodesEnv(), workDir);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("OK: ARI application 'prosaas_ai' is registered on all 2 nodes");
    const one = await run(['--node', 'b-2'], nodesEnv(), workDir);
    expect(one.code).toBe(0);
    expect(one.stdout.trim()).toBe(`OK: ARI application 'prosaas_ai' is registered at ${other.url}`);
    ws.close();
    await other.waitFor(() => !other.isRegistered(), { what: 'unregistration on the other node' });
    expect((await run(['--node', 'nope'], nodesEnv(), workDir)).code).toBe(2);
  });
});

