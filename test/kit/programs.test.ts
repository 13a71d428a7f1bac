// A program that cannot start fails its start at once, with what it said,
// rather than after the whole health-check timeout.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './ports.js';
import { gatewayEnvironment } from './program-env.js';
import { startProgramProcess } from './programs.js';

let root: string | null = null;
afterEach(async () => {
  if (root !== null) await rm(root, { recursive: true, force: true });
  root = null;
});

describe('startProgramProcess', () => {
  it('rejects as soon as the program exits during start-up, with its stderr', async () => {
    root = await mkdtemp(join(tmpdir(), 'programs-test-'));
    const port = await freePort();
    const env = {
      ...gatewayEnvironment({ token: 'a'.repeat(32), httpPort: port, backendUrl: null, recordingsDir: join(root, 'recordings'), clipCacheDir: join(root, 'clips'), agent: 'echo' }),
      MEDIA_CLOCK_PHASES: '99',
    };
    const started = startProgramProcess('media gateway', env, { port, tempRoot: root });
    await expect(started).rejects.toThrow(/media gateway exited during start-up \(code 1, signal null\)\n.*MEDIA_CLOCK_PHASES/);
  });
});
