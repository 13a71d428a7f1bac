// When the tests' database cannot be set up (test/support/global-setup.ts), the run
// ends with that reason first and alone, not with vitest's "No test files found".
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runChild } from '../../support/child-run.js';

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));
const vitestEntry = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

/** A "PostgreSQL server" that hangs up on every connection. */
let hangUp: net.Server;
let hangUpPort: number;

beforeAll(async () => {
  hangUp = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
  hangUpPort = (hangUp.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => hangUp.close(resolve));
});

/** This environment without what vitest sets for its own workers. */
function parentEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'TEST' && name !== 'NODE_ENV'),
  );
}

it('ends the run with the reason the database could not be set up, before anything of vitest', async () => {
  const run = await runChild(process.execPath, [vitestEntry, 'run', 'test/src/db/embedded-reach.test.ts'], {
    cwd: projectRoot,
    env: {
      ...parentEnvironment(),
      DATABASE_URL: `postgresql://postgres:not-a-secret@127.0.0.1:${hangUpPort}/postgres`,
      NO_COLOR: '1',
    },
    timeoutMs: 120_000,
  });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^\nThe test database could not be set up:\nError: Connection terminated unexpectedly\n/);
  expect(`${run.stdout}${run.stderr}`).not.toContain('No test files found');
  expect(run.stdout).not.toContain('embedded-reach.test.ts');
});
