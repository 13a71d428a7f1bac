// `npm start`: runs the backend until SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startBackend } from './backend.js';

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.log.level, redactPii: config.log.redactPii, name: 'backend' });
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

try {
  const backend = await startBackend(config, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    // A repeated signal must not kill the process mid-shutdown (the default action would).
    if (stopping) {
      logger.info({ signal }, 'shutdown already in progress');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutdown requested');
    backend.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, 'backend failed to start');
  process.exit(1);
}
