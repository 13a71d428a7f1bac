// The backend's logger: the factory both programs share (media/contract/logging.ts)
// with the backend's service name, and the configured values it must never print.
import type { DestinationStream, Logger } from 'pino';
import { createLogger as createServiceLogger, isLogLevel, LOG_LEVELS } from '../media/contract/logging.js';
import type { Config } from './config.js';

export interface BackendLoggerOptions {
  /** One of LOG_LEVELS (a string, as command-line tools and tests pass it through). */
  level: string;
  /** LOG_REDACT_PII (default off). */
  redactPii?: boolean;
  /** The `service` field (default `backend`; the CLIs name themselves). */
  name?: string;
  /** Secret values never to print (see backendLogSecrets). */
  secrets?: readonly string[];
}

export function createLogger(options: BackendLoggerOptions, destination?: DestinationStream): Logger {
  const level = options.level;
  if (!isLogLevel(level)) throw new Error(`unknown log level "${level}": use one of ${LOG_LEVELS.join(', ')}`);
  return createServiceLogger(
    {
      service: options.name ?? 'backend',
      level,
      redactPii: options.redactPii ?? false,
      secrets: options.secrets ?? [],
    },
    destination,
  );
}

/** The logger `npm start` runs with: level, LOG_REDACT_PII and secrets from the config. */
export function backendLoggerFor(config: Config, destination?: DestinationStream): Logger {
  return createLogger(
    { level: config.log.level, redactPii: config.log.redactPii, secrets: backendLogSecrets(config) },
    destination,
  );
}

/** The configured secrets: ARI credentials (also as the Basic header sends them), tokens, the database password. */
export function backendLogSecrets(config: Config): string[] {
  const secrets = [config.ari.password, config.media.token];
  secrets.push(Buffer.from(`${config.ari.username}:${config.ari.password}`, 'utf8').toString('base64'));
  if (config.admin.operatorToken) secrets.push(config.admin.operatorToken);
  secrets.push(...Object.values(config.admin.fallbackExtensions));
  const databasePassword = config.db.url ? passwordOf(config.db.url) : '';
  if (databasePassword) secrets.push(databasePassword);
  return secrets;
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

export type { Logger };
