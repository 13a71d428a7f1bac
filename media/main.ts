// Entry point of the media gateway (`npm run start:media`): reads the config,
// starts the gateway, and stops it in order on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadMediaConfig, type MediaConfig } from './config.js';
import { exitAfterLogs } from './contract/logging.js';
import { mediaLoggerFor } from './logger.js';
import { startMediaGateway, type MediaGateway } from './media-gateway.js';

/** A shutdown that takes longer than this is abandoned with exit code 1. */
const SHUTDOWN_DEADLINE_MS = 10_000;

function exitWithStartupError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`media gateway: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

function stopOnSignals(gateway: MediaGateway, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'media gateway stopping');
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
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  // Variables already in the environment win over the file.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: MediaConfig;
  try {
    config = loadMediaConfig(process.env);
  } catch (error) {
    exitWithStartupError(error);
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
  stopOnSignals(gateway, logger);
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
