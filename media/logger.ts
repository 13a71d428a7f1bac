// The gateway's root logger. The bearer token travels in the authorization
// header, so that header is redacted wherever a request object is logged.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'authorization',
];

export function createMediaLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { name: 'media-gateway', level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } };
  // Synchronous stdout: lines keep their order and the last ones before an exit are not lost.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
