// `--workers [N]` of the gateway's command line: N gateway processes on one box,
// each with its own control API port and RTP port, behind the backends' pool.
import { availableParallelism } from 'node:os';

/** More processes than this on one box is a typo, not a plan. */
export const MAX_WORKERS = 256;

export class WorkerOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerOptionsError';
  }
}

/**
 * The number of gateway processes asked for: null without `--workers` (this
 * process is the one gateway, as in a container); `--workers` alone or
 * `--workers auto` is one per core.
 */
export function parseWorkers(argv: readonly string[], cores: number = availableParallelism()): number | null {
  const index = argv.findIndex((arg) => arg === '--workers' || arg.startsWith('--workers='));
  if (index === -1) return null;
  const arg = argv[index]!;
  const next = argv[index + 1];
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : next !== undefined && !next.startsWith('--') ? next : 'auto';
  if (value === 'auto') return Math.min(cores, MAX_WORKERS);
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    throw new WorkerOptionsError(`--workers must be "auto" or an integer from 1 to ${MAX_WORKERS}`);
  }
  return Number(value);
}

export interface WorkerPorts {
  readonly httpPort: number;
  readonly rtpPort: number;
}

/** Worker i listens on the base ports + i (0 stays 0: each picks its own). */
export function workerPorts(base: WorkerPorts, workers: number): WorkerPorts[] {
  const last = workers - 1;
  for (const [name, port] of [['MEDIA_HTTP_PORT', base.httpPort], ['RTP_PORT', base.rtpPort]] as const) {
    if (port !== 0 && port + last > 65_535) throw new WorkerOptionsError(`${name} ${port} + ${last} workers goes past port 65535`);
  }
  return Array.from({ length: workers }, (_, i) => ({
    httpPort: base.httpPort === 0 ? 0 : base.httpPort + i,
    rtpPort: base.rtpPort === 0 ? 0 : base.rtpPort + i,
  }));
}
