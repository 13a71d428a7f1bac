// Launches the media gateway under test as its own process (the kit's
// program start), pinned to one core, on loopback ports, with the echo agent
// and recordings in the trial's temporary folder. A fresh process per trial.
//
// What is measured must not depend on the developer's setup: the gateway gets
// a minimal environment, and its working directory is the trial's folder, not
// the repository (it would load a `.env` from there). Settings not given here
// take their defaults.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayStats, RtpEndpoint } from '../../media/contract/sessions.js';
import { LOOPBACK, freePort, freeUdpPort } from '../../test/kit/ports.js';
import { gatewayEnvironment } from '../../test/kit/program-env.js';
import { startProgramProcess } from '../../test/kit/programs.js';
import { MEDIA_THREAD_NAME } from '../../media/media-thread/os-thread.js';
import { launcherFor, makeRealtime, REALTIME_PRIORITY, threadIdsNamed, type Placement } from './cpu-placement.js';
import { GatewayClient, createBenchCalls } from './gateway-client.js';
import { watchDeath, type TargetLauncher, type TrialTarget } from './trial-target.js';

/** Closing thousands of sessions (and their recordings) can take a moment. */
const STOP_GRACE_MS = 5_000;
const BENCH_GATEWAY_PREFIX = 'BENCH_GATEWAY_';

/**
 * Node flags of a --rt gateway. V8's GC helper threads cannot be made
 * real-time (every thread but the media thread is called "node"), and a
 * real-time thread that waits for a helper's part of a collection waits as
 * long as the other processes on its core keep the helper off it. With the
 * gateway pinned to one core the helpers never ran beside it anyway, so doing
 * the collections on the collecting thread is the same work on the same core,
 * without the wait on other processes' load.
 */
const REALTIME_NODE_ARGS = ['--single-threaded-gc'];

/**
 * Node flags of a gateway under test (the capacity and ai-capacity sections):
 * REALTIME_NODE_ARGS for a --rt one, then BENCH_GATEWAY_NODE_ARGS, extra flags
 * for an experiment, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a
 * trial (run without --rt: the profiler's sampling thread is not real-time and
 * would see the media thread only when it is idle).
 */
export function gatewayNodeArgs(realtime: boolean): string[] {
  return [...(realtime ? REALTIME_NODE_ARGS : []), ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
}

export interface GatewayLauncherOptions {
  /** Parent of each trial's folder (its working directory and recordings). */
  readonly tempRoot: string;
  readonly placement: Placement;
}

function gatewayEnvironmentForTrial(httpPort: number, rtpPort: number, token: string, trialDir: string): Record<string, string> {
  return {
    ...gatewayEnvironment({
      token,
      httpPort,
      backendUrl: null,
      recordingsDir: join(trialDir, 'recordings'),
      clipCacheDir: join(trialDir, 'clips'),
      agent: 'echo',
    }),
    RTP_PORT: String(rtpPort),
    MEDIA_MAX_SESSIONS: '100000',
    // stop() ends a trial: close at once rather than drain (the calls would hold the exit past the
    // stop's grace, and a SIGKILLed gateway writes no --cpu-prof profile).
    MEDIA_DRAIN_TIMEOUT_MS: '0',
    LOG_LEVEL: 'warn',
    // BENCH_RECORDING=false measures the gateway without call recording (to see its share).
    RECORDING_ENABLED: process.env.BENCH_RECORDING === 'false' ? 'false' : 'true',
    // BENCH_GATEWAY_<VARIABLE>=value sets a gateway variable for an experiment (e.g. BENCH_GATEWAY_MEDIA_CLOCK_PHASES=20).
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter((entry): entry is [string, string] => entry[0].startsWith(BENCH_GATEWAY_PREFIX) && entry[0] !== 'BENCH_GATEWAY_NODE_ARGS' && entry[1] !== undefined)
        .map(([key, value]) => [key.slice(BENCH_GATEWAY_PREFIX.length), value]),
    ),
  };
}

/**
 * --rt for a gateway: its media thread (found by the name it gives itself,
 * MEDIA_THREAD_NAME) SCHED_FIFO one step above its main thread. The media
 * thread keeps every call's 20 ms clock and must preempt the main thread (the
 * control API, the AI agents) when both are ready on one core; the other way
 * round, a busy main thread would hold every packet back. Both above every
 * normal process. Throws when the media thread is not found: a run that made
 * only the main thread real-time would measure the inversion, not the gateway.
 */
export function makeGatewayRealtime(pid: number): { readonly mediaThreadId: number } {
  const [mediaThreadId, ...others] = threadIdsNamed(pid, MEDIA_THREAD_NAME);
  if (mediaThreadId === undefined) throw new Error(`no thread named ${MEDIA_THREAD_NAME} in gateway process ${pid}: cannot make its media thread SCHED_FIFO`);
  if (others.length > 0) throw new Error(`gateway process ${pid} has ${others.length + 1} threads named ${MEDIA_THREAD_NAME}`);
  makeRealtime(mediaThreadId, REALTIME_PRIORITY + 1);
  makeRealtime(pid, REALTIME_PRIORITY);
  return { mediaThreadId };
}

export function gatewayLauncher(options: GatewayLauncherOptions): TargetLauncher {
  return { name: 'media', start: () => startGateway(options) };
}

async function startGateway(options: GatewayLauncherOptions): Promise<TrialTarget> {
  const trialDir = await mkdtemp(join(options.tempRoot, 'gateway-'));
  const removeTrialDir = (): Promise<void> => rm(trialDir, { recursive: true, force: true });
  const httpPort = await freePort();
  const rtpPort = await freeUdpPort();
  const token = randomBytes(24).toString('hex');
  let gateway;
  try {
    gateway = await startProgramProcess('media gateway', gatewayEnvironmentForTrial(httpPort, rtpPort, token, trialDir), {
      port: httpPort,
      tempRoot: trialDir,
      keepOutput: true,
      launcher: launcherFor(options.placement),
      nodeArgs: gatewayNodeArgs(options.placement.realtime),
    });
  } catch (error) {
    await removeTrialDir();
    throw error;
  }
  const started = gateway;
  let stopping: Promise<void> | null = null;
  // LOG_LEVEL is warn: the kept output is the few lines that explain a death (a fatal log line is on stdout).
  const death = watchDeath(started, () => `${started.output()}\n${started.stderrTail()}`, () => stopping !== null);
  const stop = (): Promise<void> => {
    stopping ??= started.stop(STOP_GRACE_MS).then(removeTrialDir, removeTrialDir);
    return stopping;
  };
  try {
    if (options.placement.realtime) makeGatewayRealtime(started.pid);
  } catch (error) {
    await stop();
    throw error;
  }
  const client = new GatewayClient(`http://${LOOPBACK}:${httpPort}`, token);
  return {
    pid: started.pid,
    attach: (streamPorts): Promise<RtpEndpoint> => createBenchCalls(client, streamPorts, LOOPBACK),
    stats: (): Promise<GatewayStats> => client.stats(),
    death,
    stop,
  };
}
