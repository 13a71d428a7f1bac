// The gateway's root logger, in the same shape as the backend's (level label,
// ISO time, `service`). The bearer token travels in the authorization header,
// so that header is redacted wherever a request object is logged.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
];

export function createMediaLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'media-gateway' },
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous stdout: lines keep their order and the last ones before an exit are not lost.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
