// `npm run build`: both programs compiled with tsc, and what they read at run
// time beside their modules (the console's static files, the migrations) in
// place, so the compiled output runs as it does from source: each program
// starts far enough to report its configuration errors, the database tool
// migrates an empty database from dist/ and seeds it through the compiled
// Prisma client, and the admin tool reads it.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild, type ChildRun } from '../kit/child-run.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { PROJECT_ROOT } from '../support/deploy-fixture.js';

// Inside the project, where the compiled modules find node_modules and package.json's "type".
const OUT = join(PROJECT_ROOT, 'test-output', `build-check-${process.pid}`);
const BUILD_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 60_000;

let build: ChildRun;
let database: TestDatabase;
// Outside the project: no .env of a checkout is read, no .data/ is created.
const cwd = mkdtempSync(join(tmpdir(), 'compiled-run-'));

function compiled(module: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  return runChild(process.execPath, [join(OUT, module), ...args], { cwd, env: { PATH: process.env.PATH, ...env }, timeoutMs: RUN_TIMEOUT_MS });
}

beforeAll(async () => {
  build = await runChild(process.execPath, ['scripts/build.mjs', '--out-dir', relative(PROJECT_ROOT, OUT)], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH },
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  database = await createTestDatabase({ empty: true });
}, BUILD_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await database?.drop();
  rmSync(OUT, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('compiles both programs and puts their run-time files beside the modules', () => {
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    for (const entry of ['src/main.js', 'src/db/cli.js', 'src/admin/cli.js', 'media/main.js', 'src/db/generated/client.js', 'media/contract/sessions.js']) {
      expect(existsSync(join(OUT, entry)), entry).toBe(true);
    }
    for (const folder of ['prisma/migrations', 'src/console/assets']) {
      expect(readdirSync(join(OUT, folder)).sort()).toEqual(readdirSync(join(PROJECT_ROOT, folder)).sort());
    }
  });

  it('the compiled media gateway starts far enough to report its configuration errors', async () => {
    const run = await compiled('media/main.js', []);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^media gateway: invalid media gateway configuration: MEDIA_GATEWAY_TOKEN is required/);
  });

  it('the compiled backend loads every module (and its console files) and reports its configuration errors', async () => {
    const run = await compiled('src/main.js', []);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^invalid configuration:\n {2}- ASTERISK_ARI_USERNAME: is required/);
  });

  it('the compiled database tool migrates from dist/ and seeds through the compiled Prisma client', { timeout: 2 * RUN_TIMEOUT_MS }, async () => {
    const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const seed = await compiled('src/db/cli.js', ['seed'], env);
    expect(seed.stderr).toBe('');
    expect(seed.code).toBe(0);
    for (const migration of readdirSync(join(PROJECT_ROOT, 'prisma/migrations')).filter((name) => /^\d/.test(name))) {
      expect(seed.stdout).toContain(`applied migration ${migration}`);
    }
    expect(seed.stdout).toMatch(/^seeded demo business [0-9a-f-]{36} answering \+19863334949$/m);

    const list = await compiled('src/admin/cli.js', ['business:list'], env);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('+19863334949');
  });

  it('refuses to empty a folder that is not build output', async () => {
    const run = await runChild(process.execPath, ['scripts/build.mjs', '--out-dir', 'src'], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('build: --out-dir must be dist or a folder under test-output/, got src\n');
    expect(existsSync(join(PROJECT_ROOT, 'src/main.ts'))).toBe(true);
  });
});
