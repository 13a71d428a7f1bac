// The one logger factory of both programs. It lives at the seam because the
// names of the log fields that carry personal data and secrets are a contract
// (log-fields.ts): the backend and the gateway log the same calls, and
// LOG_REDACT_PII must mean the same in both. Lines are JSON with a level label,
// an ISO time and `service` (the program).
//
// Lines go to stdout through pino's asynchronous destination (sonic-boom,
// `sync: false`): a log call formats the line and appends it to a buffer; the
// write happens on libuv's thread pool, so a 20 ms media tick never waits for
// stdout (a slow terminal, a full pipe, a stalled log collector). A worker-thread
// transport would move the formatting off the event loop too, but costs a thread
// and its memory per program on small hosts; formatting a line takes a few µs.
// pino flushes this destination synchronously when the process exits (normal
// exit, process.exit() on the SIGTERM path and after a fatal error), so the
// last lines are not lost; the buffer is bounded (LOG_BUFFER_MAX_BYTES) so a
// stdout that never drains drops lines instead of growing the heap.
import { pino, type DestinationStream, type Logger } from 'pino';
import { redactedFieldNames, redactFields } from './log-fields.js';
import { lineScrubber, serializeError } from './log-scrub.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Lines waiting for stdout beyond this are dropped (a stdout that never drains). */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

export interface LoggerOptions {
  /** Which program writes (`backend`, `media-gateway`): the `service` field of every line. */
  readonly service: string;
  readonly level: LogLevel;
  /** LOG_REDACT_PII: remove caller numbers, transcripts, message contents and tool arguments. */
  readonly redactPii: boolean;
  /**
   * Configured secret values (passwords, tokens, API keys) that must never appear
   * in a line, whatever field or message carries them. Values shorter than
   * MIN_SCRUBBED_SECRET_LENGTH are left to field redaction.
   */
  readonly secrets?: readonly string[];
}

/** stdout, written asynchronously and flushed synchronously at exit (see above). */
export function createLogDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: LOG_BUFFER_MAX_BYTES });
}

export function createLogger(options: LoggerOptions, destination: DestinationStream = createLogDestination()): Logger {
  const names = redactedFieldNames(options.redactPii);
  const logger = pino(
    {
      level: options.level,
      base: { service: options.service },
      serializers: { err: (error: unknown) => serializeError(error, options.redactPii, names) },
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redactFields(fields, names),
      },
      hooks: { streamWrite: lineScrubber(options.secrets ?? [], options.redactPii) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
  redactChildBindings(logger, names);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root's bindings only, so a child's
 * bindings (`logger.child({ caller })`) are redacted here. Children inherit the
 * root's own `child` through their prototype, so every descendant (fastify's
 * request loggers too) goes through this one wrapper.
 */
function redactChildBindings(logger: Logger, names: ReadonlySet<string>): void {
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactFields(bindings, names), childOptions);
  } as Logger['child'];
}

export type { Logger };
