// Starting the two programs, either in this process (through the same start
// functions their entry points call, with a logger of the caller's) or each
// as its own Node process running its entry point, as deployed. Either way a
// program is given its whole configuration as environment variables
// (program-env.ts) and is ready when its HTTP server answers /health.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startBackend, type Backend } from '../../src/backend.js';
import { loadConfig } from '../../src/config.js';
import { loadMediaConfig } from '../../media/config.js';
import { startMediaGateway, type MediaGateway } from '../../media/media-gateway.js';
import { inheritedEnvironment } from './program-env.js';
import { startProgram, type ProgramProcess } from './program-process.js';
import { tsxArgs } from './typescript-entry.js';
import { waitUntil } from './wait.js';

export type ProgramName = 'backend' | 'media gateway';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY_POINTS: Readonly<Record<ProgramName, string>> = {
  backend: join(PROJECT_ROOT, 'src/main.ts'),
  'media gateway': join(PROJECT_ROOT, 'media/main.ts'),
};
const START_TIMEOUT_MS = 30_000;
const HEALTH_POLL_MS = 50;
const HEALTH_REQUEST_TIMEOUT_MS = 1_000;

export function startBackendHere(env: Record<string, string>, logger: Logger, signal?: AbortSignal): Promise<Backend> {
  return startBackend(loadConfig(env), logger, { signal });
}

export function startGatewayHere(env: Record<string, string>, logger: Logger): Promise<MediaGateway> {
  return startMediaGateway({ config: loadMediaConfig(env), logger });
}

export interface ProgramProcessOptions {
  /** Its own port, which `env` also gives it (a process cannot report an ephemeral one back). */
  readonly port: number;
  /** A fresh working directory is made under this folder (no `.env` of a developer's is read). */
  readonly tempRoot: string;
  /** Keep all of the program's output (its log lines) for `output()`. */
  readonly keepOutput?: boolean;
  /** Extra Node arguments, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Prefix of the command line, e.g. `taskset -c 0` to pin the program to a core. */
  readonly launcher?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Starts `program`'s entry point in its own Node process with only `env` (plus
 * PATH, HOME...), and resolves once it answers /health. A program that exits
 * meanwhile, or takes longer than the start timeout, is stopped and the error
 * carries its last stderr lines.
 */
export async function startProgramProcess(
  program: ProgramName,
  env: Record<string, string>,
  options: ProgramProcessOptions,
): Promise<ProgramProcess> {
  const cwd = await mkdtemp(join(options.tempRoot, 'program-'));
  const argv = [...(options.launcher ?? []), process.execPath, ...(options.nodeArgs ?? []), ...tsxArgs(ENTRY_POINTS[program])];
  const child = startProgram(program, argv, { cwd, env: { ...inheritedEnvironment(), ...env }, keepOutput: options.keepOutput });
  const exitedEarly = new AbortController();
  void child.exited.then((exit) =>
    exitedEarly.abort(new Error(`${program} exited during start-up (code ${exit.code}, signal ${exit.signal})\n${child.stderrTail()}`)),
  );
  const signal = options.signal ? AbortSignal.any([options.signal, exitedEarly.signal]) : exitedEarly.signal;
  try {
    await waitUntil(() => answersHealth(`http://127.0.0.1:${options.port}/health`), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: HEALTH_POLL_MS,
      what: `the ${program} to answer /health`,
      signal,
    });
  } catch (error) {
    await child.stop(0);
    if (error instanceof Error && !exitedEarly.signal.aborted) error.message += `\n${child.stderrTail()}`;
    throw error;
  }
  return child;
}

async function answersHealth(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MS) });
  await response.body?.cancel();
  return response.ok;
}
