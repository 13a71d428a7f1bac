// Entry point of the media gateway (`npm run start:media`): reads the config,
// starts the gateway, and stops it in order on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadMediaConfig, type MediaConfig } from './config.js';
import { exitAfterLogs } from './contract/logging.js';
import { mediaLoggerFor } from './logger.js';
import { startMediaGateway, type MediaGateway } from './media-gateway.js';
import { parseWorkers, workerPorts } from './workers/worker-options.js';
import { superviseWorkers } from './workers/worker-supervisor.js';

/** A shutdown that takes longer than this is abandoned with exit code 1. */
const SHUTDOWN_DEADLINE_MS = 10_000;

function exitWithStartupError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`media gateway: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

/**
 * The first SIGTERM/SIGINT drains: no new calls (GET /load says draining, the
 * backends place calls elsewhere), the calls under way go on until they end or
 * MEDIA_DRAIN_TIMEOUT_MS passes; then the gateway closes. A second signal
 * closes at once.
 */
function stopOnSignals(gateway: MediaGateway, logger: Logger, drainTimeoutMs: number): void {
  let closing = false;
  const drainAbort = new AbortController();
  const close = (): void => {
    if (closing) return;
    closing = true;
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'media gateway shutdown timed out');
      void exitAfterLogs(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void gateway.close().then(
      () => exitAfterLogs(0),
      (error: unknown) => {
        logger.error({ err: error }, 'media gateway shutdown failed');
        return exitAfterLogs(1);
      },
    );
  };
  let draining = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (draining) {
      if (gateway.sessions.size > 0) logger.warn({ signal, sessions: gateway.sessions.size }, 'media gateway stopping without waiting for its calls');
      drainAbort.abort();
      close();
      return;
    }
    draining = true;
    logger.info({ signal, drainTimeoutMs }, 'media gateway stopping');
    void gateway.drain(AbortSignal.any([drainAbort.signal, AbortSignal.timeout(drainTimeoutMs)])).finally(close);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A worker of `--workers`: its supervisor gone, nobody would stop it.
  if (process.connected) process.once('disconnect', () => stop('SIGTERM'));
}

async function main(): Promise<void> {
  // Variables already in the environment win over the file.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: MediaConfig;
  let workers: number | null;
  try {
    config = loadMediaConfig(process.env);
    workers = parseWorkers(process.argv.slice(2));
  } catch (error) {
    exitWithStartupError(error);
  }
  if (workers !== null) {
    let ports;
    try {
      ports = workerPorts({ httpPort: config.http.port, rtpPort: config.rtp.port }, workers);
    } catch (error) {
      exitWithStartupError(error);
    }
    const code = await superviseWorkers({ entry: process.argv[1]!, ports, env: process.env, logger: mediaLoggerFor(config) });
    await exitAfterLogs(code);
    return;
  }
  // Lines are written asynchronously: every exit below waits for stdout to take them.
  const logger = mediaLoggerFor(config);
  process.on('uncaughtException', (error, origin) => {
    logger.fatal({ err: error, origin }, 'media gateway crashed');
    void exitAfterLogs(1);
  });
  let gateway: MediaGateway;
  try {
    gateway = await startMediaGateway({ config, logger });
  } catch (error) {
    exitWithStartupError(error);
  }
  stopOnSignals(gateway, logger, config.drainTimeoutMs);
  logger.info(
    {
      http: gateway.http,
      rtpBind: { host: config.rtp.bindHost, port: gateway.rtp.port },
      rtpAdvertised: gateway.rtp,
      maxSessions: config.maxSessions,
    },
    'media gateway listening',
  );
}

await main();
