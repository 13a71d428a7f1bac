// Launches the media gateway under test: `node --import tsx media/main.ts`
// pinned to one core, on loopback ports, with the echo agent and recordings
// in a temp dir. A fresh process per trial.
//
// What is measured must not depend on the developer's setup: the gateway
// gets a minimal environment, and its working directory is the trial's temp
// dir, not the repository, because it loads `.env` from there. So tsx and
// main.ts are passed by path. Settings not given here take their defaults.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatewayStats, RtpEndpoint } from '../../media/contract/sessions.js';
import { makeRealtime, spawnManaged, type Placement } from './child-process.js';
import type { CleanupRegistry } from './cleanup.js';
import { freeTcpPort, freeUdpPort } from './free-port.js';
import { GatewayClient, createBenchCalls } from './gateway-client.js';
import { LOOPBACK, type TargetLauncher, type TrialTarget } from './trial-target.js';

const HEALTH_TIMEOUT_MS = 20_000;
const HEALTH_POLL_MS = 100;
/** Closing thousands of sessions (and their recordings) can take a moment. */
const STOP_GRACE_MS = 5_000;

export interface GatewayLauncherOptions {
  readonly repoRoot: string;
  /** Parent of each trial's working dir (which holds its recordings). */
  readonly tempRoot: string;
  readonly placement: Placement;
  readonly cleanup: CleanupRegistry;
}

/** Inherited from the bench's environment; nothing else, so a shell's gateway settings cannot leak in. */
export const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

export function gatewayEnvironment(httpPort: number, rtpPort: number, token: string, recordingsDir: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(INHERITED_ENV.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]));
  return {
    ...inherited,
    MEDIA_HTTP_HOST: LOOPBACK,
    MEDIA_HTTP_PORT: String(httpPort),
    RTP_BIND_HOST: LOOPBACK,
    RTP_PORT: String(rtpPort),
    RTP_ADVERTISE_HOST: LOOPBACK,
    MEDIA_GATEWAY_TOKEN: token,
    MEDIA_MAX_SESSIONS: '100000',
    LOG_LEVEL: 'warn',
    MEDIA_AGENT: 'echo',
    RECORDINGS_DIR: recordingsDir,
    // BENCH_RECORDING=false measures the gateway without call recording (to see its share).
    RECORDING_ENABLED: process.env.BENCH_RECORDING === 'false' ? 'false' : 'true',
    // BENCH_GATEWAY_<VARIABLE>=value sets a gateway variable for an experiment (e.g. BENCH_GATEWAY_MEDIA_CLOCK_PHASES=20).
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter(([key]) => key.startsWith('BENCH_GATEWAY_') && key !== 'BENCH_GATEWAY_NODE_ARGS')
        .map(([key, value]) => [key.slice('BENCH_GATEWAY_'.length), value]),
    ),
  };
}

/** tsx's ESM loader as a file URL, so `--import` works from any working directory. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export function gatewayLauncher(options: GatewayLauncherOptions): TargetLauncher {
  return { name: 'media', start: () => startGateway(options) };
}

async function startGateway(options: GatewayLauncherOptions): Promise<TrialTarget> {
  const trialDir = mkdtempSync(join(options.tempRoot, 'gateway-'));
  const removeTrialDir = options.cleanup.addTempDir(trialDir);
  const recordingsDir = join(trialDir, 'recordings');
  const httpPort = await freeTcpPort(LOOPBACK);
  const rtpPort = await freeUdpPort(LOOPBACK);
  const token = randomBytes(24).toString('hex');
  const gateway = spawnManaged(
    'media gateway',
    options.placement,
    process.execPath,
    // BENCH_GATEWAY_NODE_ARGS: extra node flags for the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a trial.
    [...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', tsxLoaderUrl(), join(options.repoRoot, 'media/main.ts')],
    { cwd: trialDir, env: gatewayEnvironment(httpPort, rtpPort, token, recordingsDir) },
    options.cleanup,
  );
  const client = new GatewayClient(`http://${LOOPBACK}:${httpPort}`, token);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= gateway.stop(STOP_GRACE_MS).finally(removeTrialDir);
    return stopping;
  };
  try {
    await waitForHealth(client, () => gateway.child.exitCode !== null, gateway.stderrTail);
    if (options.placement.realtime) makeRealtime(gateway.pid);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: gateway.pid,
    attach: (streamPorts): Promise<RtpEndpoint> => createBenchCalls(client, streamPorts, LOOPBACK),
    stats: (): Promise<GatewayStats> => client.stats(),
    stop,
  };
}

async function waitForHealth(client: GatewayClient, exited: () => boolean, stderrTail: () => string): Promise<void> {
  const deadline = performance.now() + HEALTH_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (exited()) throw new Error(`media gateway exited during start-up:\n${stderrTail()}`);
    if (await client.healthy()) return;
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
  throw new Error(`media gateway not healthy within ${HEALTH_TIMEOUT_MS} ms:\n${stderrTail()}`);
}
