// Wires the gateway's parts together and owns their shutdown order:
// stop accepting sessions, stop the control API, close sessions, close the
// RTP socket. main.ts adds only the process concerns (env, signals, exit).
import { createTracing } from './contract/tracing.js';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ProcessMetrics } from './metrics/process-metrics.js';
import { LoadSampler } from './metrics/load-sampler.js';
import type { GatewayLoad, RtpEndpoint } from './contract/sessions.js';
import type { MediaConfig } from './config.js';
import { buildMediaApp } from './http/build-media-app.js';
import { formatEndpoint } from './rtp/rtp-address.js';
import { SessionRegistry } from './sessions/session-registry.js';
import { MediaThread } from './media-thread/media-thread.js';
import { SIMPLE_AGENT_FACTORIES, type AgentFactory } from './agents/index.js';
import { WebSocketSessions } from './websocket/websocket-sessions.js';
import { createAiRuntime, type AiRuntime } from './agents/ai-agent-factory.js';
import { ProviderReadiness } from './providers/provider-readiness.js';
import { FRAME_MS } from './audio/frame.js';
import { RECORDING_FOLDER_MODE } from './recording/call-recorder.js';

/** At shutdown, turn reports still being delivered get this long. */
const BACKEND_DRAIN_MS = 3_000;
/** While draining, how often the gateway looks whether its last call ended. */
const DRAIN_CHECK_MS = 200;

/** A port or address the gateway could not take; the message is one line for the operator. */
export class MediaStartupError extends Error {
  constructor(what: string, cause: unknown) {
    super(`cannot ${what}: ${describeSocketError(cause)}`, { cause });
    this.name = 'MediaStartupError';
  }
}

const SOCKET_ERROR_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host',
};

function describeSocketError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && SOCKET_ERROR_TEXT[code] !== undefined) return `${SOCKET_ERROR_TEXT[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

export interface RtpSessions {
  readonly sessions: SessionRegistry;
  /** The media thread: the RTP socket, the clock and every RTP session's media. */
  readonly socket: MediaThread;
  /** The websocket sessions, on this (the main) thread. */
  readonly websocket: WebSocketSessions;
  /** Closes every session, then the media thread (its socket). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the media thread (which binds the RTP socket) and builds the session
 * registry whose RTP sessions run on it. `agentFactory` builds agents that run
 * on this (the main) thread; without one the media thread runs the configured
 * simple agent (echo or silent) itself, and no audio crosses between threads.
 * Websocket sessions run on this thread (websocket/websocket-sessions.ts).
 */
export async function openRtpSessions(config: MediaConfig, logger: Logger, agentFactory: AgentFactory | null = null): Promise<RtpSessions> {
  if (config.recordings.enabled) await ensureWritableDir(config.recordings.dir);
  const jitter = {
    minFrames: config.jitter.minMs / FRAME_MS,
    targetFrames: config.jitter.targetMs / FRAME_MS,
    maxFrames: config.jitter.maxMs / FRAME_MS,
  };
  const thread = await MediaThread.start({
    bindHost: config.rtp.bindHost,
    port: config.rtp.port,
    clockPhases: config.clockPhases,
    agent: config.agent === 'ai' ? 'silent' : config.agent,
    agentFactory,
    recordings: config.recordings,
    jitter,
    logLevel: logger.level,
    logger,
  }).catch((error: unknown) => {
    throw new MediaStartupError(`bind the RTP socket to UDP ${formatEndpoint(config.rtp.bindHost, config.rtp.port)}`, error);
  });
  const websocket = new WebSocketSessions({
    agentFactory: agentFactory ?? SIMPLE_AGENT_FACTORIES[config.agent === 'ai' ? 'silent' : config.agent],
    recordings: config.recordings,
    jitter,
    clockPhases: config.clockPhases,
    logger: logger.child({ component: 'websocket-media' }),
  });
  const sessions = new SessionRegistry({
    maxSessions: config.maxSessions,
    // With RTP_PORT=0 the advertised port is the one the OS picked.
    local: Object.freeze({ host: config.rtp.advertiseHost, port: thread.port }),
    host: thread,
    websocket,
    acceptsIpv6Remotes: thread.supportsIpv6,
    logger: logger.child({ component: 'sessions' }),
  });
  let closing: Promise<void> | null = null;
  return {
    sessions,
    socket: thread,
    websocket,
    close: () => {
      closing ??= (async () => {
        sessions.stopAccepting();
        await sessions.closeAll();
        await websocket.stop();
        await thread.stop();
      })();
      return closing;
    },
  };
}

/** Fails the start when calls could not be recorded, instead of one error per call later. */
async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: RECORDING_FOLDER_MODE });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new MediaStartupError(`use RECORDINGS_DIR ${dir} (set RECORDING_ENABLED=false to run without recordings)`, error);
  }
}

export interface MediaGateway {
  readonly app: FastifyInstance;
  readonly sessions: SessionRegistry;
  /** The media thread, which holds the RTP socket. */
  readonly rtpSocket: MediaThread;
  readonly http: RtpEndpoint;
  readonly rtp: RtpEndpoint;
  /** GET /load's figures. */
  load(): GatewayLoad;
  /**
   * Takes no new session from now on (GET /load says draining, creating answers
   * 503 no_capacity) and resolves once every session has ended, or when `signal`
   * aborts. The sessions are not closed: close() does that.
   */
  drain(signal?: AbortSignal): Promise<void>;
  /** Ordered shutdown; idempotent (every call returns the same promise). */
  close(): Promise<void>;
}

export async function startMediaGateway(deps: { config: MediaConfig; logger: Logger }): Promise<MediaGateway> {
  const { config, logger } = deps;
  const tracing = createTracing({ serviceName: 'prosaas-media-gateway', otlpEndpoint: config.otlpEndpoint });
  const ai: AiRuntime | null = config.agent === 'ai' ? createAiRuntime(config.ai, config.gatewayToken, logger, config.outbound, tracing.tracer) : null;
  const readiness = new ProviderReadiness(ai?.probes ?? [], logger.child({ component: 'providers' }));
  const rtp = await openRtpSessions(config, logger, ai ? ai.factory : null);
  const processMetrics = new ProcessMetrics();
  const loadSampler = new LoadSampler();
  let draining = false;
  const load = (): GatewayLoad => {
    const sessions = rtp.sessions.size;
    return {
      sessions,
      maxSessions: config.maxSessions,
      capacityLeft: draining ? 0 : Math.max(0, config.maxSessions - sessions),
      ...loadSampler.latest,
      // Either thread lagging delays calls: the media thread their packets, the main thread their agents.
      eventLoopLagP99Ms: Math.max(loadSampler.latest.eventLoopLagP99Ms, Math.round(rtp.socket.loopLagMs.p99 * 10) / 10),
      draining,
    };
  };
  const app = buildMediaApp({
    load,
    config,
    logger,
    sessions: rtp.sessions,
    readiness: () => readiness.results(),
    extraMetrics: () => [
      ...processMetrics.metrics(
        rtp.sessions.list().map((session) => session.stats().jitterMs),
        rtp.socket.loopLagMs,
      ),
      {
        kind: 'counter',
        name: 'media_thread_events_dropped_total',
        help: 'Caller audio events the main thread lost because it fell behind the media thread (the ring\'s last records are kept for control events).',
        value: rtp.socket.eventsDropped,
      },
      ...(ai?.metrics.metrics() ?? []),
    ],
    warmClips: ai ? (agents) => ai.clipWarmer.warm(agents) : undefined,
    ...(ai ? { engineProblem: (request) => ai.engineProblem(request) } : {}),
  });
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (error) {
    processMetrics.close();
    loadSampler.close();
    await app.close();
    await rtp.close();
    throw new MediaStartupError(
      `listen for the control API on TCP ${formatEndpoint(config.http.host, config.http.port)}`,
      error,
    );
  }
  const httpAddress = app.server.address() as AddressInfo;
  void readiness.start();
  let closing: Promise<void> | null = null;
  return {
    app,
    sessions: rtp.sessions,
    rtpSocket: rtp.socket,
    http: { host: config.http.host, port: httpAddress.port },
    rtp: rtp.sessions.local,
    load,
    drain: async (signal) => {
      draining = true;
      rtp.sessions.stopAccepting();
      logger.info({ sessions: rtp.sessions.size }, 'media gateway draining: no new calls, waiting for its calls to end');
      while (rtp.sessions.size > 0 && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, DRAIN_CHECK_MS);
          function done(): void {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          signal?.addEventListener('abort', done, { once: true });
        });
      }
    },
    close: () => {
      closing ??= (async () => {
        draining = true;
        rtp.sessions.stopAccepting();
        readiness.stop();
        processMetrics.close();
        loadSampler.close();
        ai?.close();
        try {
          await app.close();
        } finally {
          await rtp.close();
          await ai?.backend.drain(BACKEND_DRAIN_MS);
          await tracing.shutdown().catch(() => undefined);
        }
        logger.info('media gateway stopped');
      })();
      return closing;
    },
  };
}
