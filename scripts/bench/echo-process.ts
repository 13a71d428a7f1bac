// Launches the bare dgram echo loop (echo-baseline.mjs) pinned to one core.
import { join } from 'node:path';
import { z } from 'zod';
import { makeRealtime, parseJsonLine, spawnManaged, type Placement } from './child-process.js';
import type { CleanupRegistry } from './cleanup.js';
import { LOOPBACK, type TargetLauncher, type TrialTarget } from './trial-target.js';

const START_TIMEOUT_MS = 10_000;
const PortLine = z.object({ port: z.number().int() });

export function echoLauncher(options: { benchDir: string; placement: Placement; cleanup: CleanupRegistry }): TargetLauncher {
  return {
    name: 'baseline',
    start: async (): Promise<TrialTarget> => {
      const echo = spawnManaged(
        'echo baseline',
        options.placement,
        process.execPath,
        [join(options.benchDir, 'echo-baseline.mjs'), LOOPBACK, '0'],
        {},
        options.cleanup,
      );
      try {
        const port = await echo.lines.next(
          (line) => {
            const parsed = PortLine.safeParse(parseJsonLine(line));
            return parsed.success ? parsed.data.port : null;
          },
          START_TIMEOUT_MS,
          'its port',
        );
        if (options.placement.realtime) makeRealtime(echo.pid);
        return {
          pid: echo.pid,
          attach: async () => ({ host: LOOPBACK, port }),
          stats: async () => null,
          stop: () => echo.stop(1000),
        };
      } catch (error) {
        await echo.stop(1000);
        throw error;
      }
    },
  };
}
