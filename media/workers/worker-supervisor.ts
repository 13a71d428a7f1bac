// Runs N gateway processes on one box (`--workers N`): one Node event loop per
// core, each a whole gateway with its own control API port and RTP port. The
// backends see N gateways (MEDIA_GATEWAY_URLS) and place calls by their load.
//
// A worker that dies is started again (after RESTART_MIN_MS, doubling up to
// RESTART_MAX_MS while it keeps dying); its calls move to the other workers
// meanwhile (the backends notice it stopped answering). SIGTERM/SIGINT is
// passed on: each worker drains, and the supervisor exits when all have.
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { WorkerPorts } from './worker-options.js';

const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A worker that stayed up this long is healthy again: its next restart is quick. */
const STABLE_AFTER_MS = 60_000;

export interface SupervisorOptions {
  /** The gateway's entry point, run in each worker without `--workers`. */
  readonly entry: string;
  readonly ports: readonly WorkerPorts[];
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

interface Worker {
  readonly index: number;
  child: ChildProcess | null;
  restartDelayMs: number;
  startedAtMs: number;
  timer: NodeJS.Timeout | null;
}

/** Starts the workers; resolves with the exit code once every worker has exited after a stop signal. */
export function superviseWorkers(options: SupervisorOptions): Promise<number> {
  const { logger } = options;
  let stopping = false;
  let failed = false;
  const workers: Worker[] = options.ports.map((_, index) => ({ index, child: null, restartDelayMs: RESTART_MIN_MS, startedAtMs: 0, timer: null }));
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });

  const checkDone = (): void => {
    if (stopping && workers.every((worker) => worker.child === null)) resolveDone(failed ? 1 : 0);
  };

  const start = (worker: Worker): void => {
    worker.timer = null;
    const ports = options.ports[worker.index]!;
    const child = fork(options.entry, [], {
      env: { ...options.env, MEDIA_HTTP_PORT: String(ports.httpPort), RTP_PORT: String(ports.rtpPort) },
      stdio: 'inherit',
      // Its own process group: a terminal's Ctrl-C reaches the workers once, through here.
      // A supervisor that dies closes the IPC channel, and each worker then drains (main.ts).
      detached: true,
    });
    worker.child = child;
    worker.startedAtMs = performance.now();
    logger.info({ worker: worker.index, pid: child.pid, httpPort: ports.httpPort, rtpPort: ports.rtpPort }, 'media gateway worker started');
    child.once('exit', (code, signal) => {
      worker.child = null;
      if (stopping) {
        if (code !== 0) failed = true;
        checkDone();
        return;
      }
      if (performance.now() - worker.startedAtMs > STABLE_AFTER_MS) worker.restartDelayMs = RESTART_MIN_MS;
      logger.error({ worker: worker.index, code, signal, restartInMs: worker.restartDelayMs }, 'media gateway worker exited; starting it again');
      worker.timer = setTimeout(() => start(worker), worker.restartDelayMs);
      worker.restartDelayMs = Math.min(RESTART_MAX_MS, worker.restartDelayMs * 2);
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    // A second signal is passed on too: each worker then stops without waiting for its calls.
    stopping = true;
    logger.info({ signal }, 'media gateway workers stopping');
    for (const worker of workers) {
      if (worker.timer !== null) clearTimeout(worker.timer);
      worker.timer = null;
      worker.child?.kill(signal);
    }
    checkDone();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (const worker of workers) start(worker);
  return done;
}
