// Launches the bare dgram echo loop (echo-baseline.mjs) pinned to one core.
import { join } from 'node:path';
import { z } from 'zod';
import { parseJsonLine } from '../../test/kit/line-reader.js';
import { LOOPBACK } from '../../test/kit/ports.js';
import { startProgram } from '../../test/kit/program-process.js';
import { launcherFor, makeRealtime, type Placement } from './cpu-placement.js';
import { watchDeath, type TargetLauncher, type TrialTarget } from './trial-target.js';

const START_TIMEOUT_MS = 10_000;
const PortLine = z.object({ port: z.number().int() });

export function echoLauncher(options: { benchDir: string; placement: Placement }): TargetLauncher {
  return {
    name: 'baseline',
    start: async (): Promise<TrialTarget> => {
      const echo = startProgram('echo baseline', [
        ...launcherFor(options.placement),
        process.execPath,
        join(options.benchDir, 'echo-baseline.mjs'),
        LOOPBACK,
        '0',
      ]);
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
        let stopping = false;
        return {
          pid: echo.pid,
          attach: () => Promise.resolve({ host: LOOPBACK, port }),
          stats: () => Promise.resolve(null),
          death: watchDeath(echo, () => echo.stderrTail(), () => stopping),
          stop: async () => {
            stopping = true;
            await echo.stop(1000);
          },
        };
      } catch (error) {
        await echo.stop(1000);
        throw error;
      }
    },
  };
}
