// When the tests' database cannot be set up (test/support/global-setup.ts), the run
// ends with that reason first and alone, not with vitest's "No test files found".
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runChild } from '../../kit/child-run.js';

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));
const vitestEntry = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

const REFUSAL = 'this server accepts no one';

/**
 * PostgreSQL's ErrorResponse (protocol section 55.7): 'E', the length, then fields
 * of a type byte and a NUL-terminated string, ended by a NUL.
 */
function errorResponse(message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C28000\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'ascii');
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

/** A PostgreSQL server that answers every startup message with a fatal error. */
let refusing: net.Server;
let refusingPort: number;

beforeAll(async () => {
  refusing = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(errorResponse(REFUSAL)));
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  refusingPort = (refusing.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => refusing.close(resolve));
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
      DATABASE_URL: `postgresql://postgres:not-a-secret@127.0.0.1:${refusingPort}/postgres`,
      NO_COLOR: '1',
    },
    timeoutMs: 120_000,
  });
  expect(run.code).toBe(1);
  const expectedStart = `\nThe test database could not be set up:\nerror: ${REFUSAL}\n`;
  expect(run.stderr.slice(0, expectedStart.length)).toBe(expectedStart);
  expect(`${run.stdout}${run.stderr}`).not.toContain('No test files found');
  expect(run.stdout).not.toContain('embedded-reach.test.ts');
});
