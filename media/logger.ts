// The gateway's logger: the factory both programs share (media/contract/logging.ts)
// with the gateway's service name, and the configured values it must never print.
import type { DestinationStream, Logger } from 'pino';
import { createLogger, type LogLevel } from './contract/logging.js';
import type { MediaConfig } from './config.js';

export interface MediaLoggerOptions {
  /** LOG_REDACT_PII (default off). */
  readonly redactPii?: boolean;
  /** Secret values never to print (see mediaLogSecrets). */
  readonly secrets?: readonly string[];
}

export function createMediaLogger(level: LogLevel, destination?: DestinationStream, options: MediaLoggerOptions = {}): Logger {
  return createLogger(
    { service: 'media-gateway', level, redactPii: options.redactPii ?? false, secrets: options.secrets ?? [] },
    destination,
  );
}

/** The logger `npm run start:media` runs with: level, LOG_REDACT_PII and secrets from the config. */
export function mediaLoggerFor(config: MediaConfig, destination?: DestinationStream): Logger {
  return createMediaLogger(config.logLevel, destination, { redactPii: config.logRedactPii, secrets: mediaLogSecrets(config) });
}

/** The configured secrets: the control API's token and the providers' API keys. */
export function mediaLogSecrets(config: MediaConfig): string[] {
  return [config.gatewayToken, config.ai.deepgram.apiKey, config.ai.openai.apiKey].filter((secret) => secret !== '');
}
