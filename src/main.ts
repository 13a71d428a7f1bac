// `npm start`: runs the backend until SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { exitAfterLogs } from '../media/contract/logging.js';
import { backendLoggerFor } from './logger.js';
import { startBackend, StartAbortedError, type Backend } from './backend.js';

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

// Lines are written asynchronously: every exit below waits for stdout to take them.
const logger = backendLoggerFor(config);
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception; exiting');
  void exitAfterLogs(1);
});

// Signals during start-up abort it; afterwards they stop the backend. A repeated
// signal must not kill the process mid-shutdown (the default action would).
const startup = new AbortController();
let backend: Backend | null = null;
let stopping = false;
const onSignal = (signal: string): void => {
  if (stopping) {
    logger.info({ signal }, 'shutdown already in progress');
    return;
  }
  stopping = true;
  logger.info({ signal }, 'shutdown requested');
  if (!backend) {
    startup.abort();
    return;
  }
  void backend.stop().then(
    () => exitAfterLogs(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      return exitAfterLogs(1);
    },
  );
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

try {
  backend = await startBackend(config, logger, { signal: startup.signal });
  if (stopping) onStoppedDuringStart(backend);
} catch (error) {
  if (error instanceof StartAbortedError) await exitAfterLogs(0);
  logger.fatal({ err: error }, 'backend failed to start');
  await exitAfterLogs(1);
}

/** A signal that arrived after the database was ready but before start-up returned. */
function onStoppedDuringStart(started: Backend): void {
  void started.stop().then(
    () => exitAfterLogs(0),
    () => exitAfterLogs(1),
  );
}
