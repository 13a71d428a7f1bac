// `--workers N`: the option, the ports each worker gets, and the real program
// running two gateways, restarting one that dies, and stopping them all.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseWorkers, workerPorts, WorkerOptionsError } from '../../../media/workers/worker-options.js';
import { inheritedEnvironment } from '../../kit/program-env.js';
import { startProgram } from '../../kit/program-process.js';
import { tsxArgs } from '../../kit/typescript-entry.js';
import { parseJsonLine } from '../../kit/line-reader.js';
import { freePort } from '../../kit/ports.js';
import { waitUntil } from '../../kit/wait.js';

const ENTRY = fileURLToPath(new URL('../../../media/main.ts', import.meta.url));
const TOKEN = 'workers-test-token-0123456789';

describe('parseWorkers', () => {
  it('reads N, auto or nothing', () => {
    expect(parseWorkers([], 8)).toBeNull();
    expect(parseWorkers(['--workers', '3'], 8)).toBe(3);
    expect(parseWorkers(['--workers=2'], 8)).toBe(2);
    expect(parseWorkers(['--workers'], 8)).toBe(8);
    expect(parseWorkers(['--workers', 'auto'], 4)).toBe(4);
  });

  it('refuses what is not a worker count', () => {
    for (const bad of ['0', '-1', 'two', '257']) {
      expect(() => parseWorkers(['--workers', bad], 8)).toThrow(WorkerOptionsError);
    }
  });
});

describe('workerPorts', () => {
  it('gives worker i the base ports + i, and keeps 0 as 0', () => {
    expect(workerPorts({ httpPort: 8090, rtpPort: 40000 }, 3)).toEqual([
      { httpPort: 8090, rtpPort: 40000 },
      { httpPort: 8091, rtpPort: 40001 },
      { httpPort: 8092, rtpPort: 40002 },
    ]);
    expect(workerPorts({ httpPort: 0, rtpPort: 0 }, 2)).toEqual([{ httpPort: 0, rtpPort: 0 }, { httpPort: 0, rtpPort: 0 }]);
    expect(() => workerPorts({ httpPort: 65535, rtpPort: 0 }, 2)).toThrow('MEDIA_HTTP_PORT 65535 + 1 workers goes past port 65535');
  });
});

describe('npm run start:media -- --workers 2', () => {
  it('runs two gateways on consecutive ports, starts a dead one again, and stops both on SIGTERM', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'media-workers-'));
    // The next port is free too almost always (ports are handed out spread over the range).
    let base = await freePort();
    while (base >= 65_535) base = await freePort();
    const program = startProgram('media gateway workers', [process.execPath, ...tsxArgs(ENTRY, ['--workers', '2'])], {
      cwd,
      env: {
        ...inheritedEnvironment(),
        MEDIA_GATEWAY_TOKEN: TOKEN,
        MEDIA_AGENT: 'silent',
        MEDIA_HTTP_HOST: '127.0.0.1',
        MEDIA_HTTP_PORT: String(base),
        RTP_BIND_HOST: '127.0.0.1',
        RTP_PORT: '0',
        RECORDING_ENABLED: 'false',
        LOG_LEVEL: 'info',
      },
    });
    try {
      const health = (port: number) => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      await waitUntil(async () => (await health(base)) && (await health(base + 1)), { timeoutMs: 30_000, what: 'both workers to answer' });
      const started = new Map<number, number>();
      while (started.size < 2) {
        const line = await program.lines.next((l) => parseJsonLine(l) as { msg?: string; worker?: number; pid?: number } | null, 10_000, 'worker start lines');
        if (line?.msg === 'media gateway worker started') started.set(line.worker!, line.pid!);
      }
      process.kill(started.get(1)!, 'SIGKILL');
      const restarted = await program.lines.next((l) => {
        const line = parseJsonLine(l) as { msg?: string; worker?: number; pid?: number } | null;
        return line?.msg === 'media gateway worker started' && line.worker === 1 ? line.pid! : null;
      }, 30_000, 'worker 1 to start again');
      expect(restarted).not.toBe(started.get(1));
      await waitUntil(() => health(base + 1), { timeoutMs: 30_000, what: 'worker 1 to answer again' });

      program.child.kill('SIGTERM');
      expect(await program.exited).toEqual({ code: 0, signal: null });
      expect(await health(base)).toBe(false);
      expect(await health(base + 1)).toBe(false);
    } finally {
      await program.stop(2_000);
      await rm(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});
