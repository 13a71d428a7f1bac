// The one logger factory of both programs. It lives at the seam because the
// names of the log fields that carry personal data and secrets are a contract
// (log-fields.ts): the backend and the gateway log the same calls, and
// LOG_REDACT_PII must mean the same in both. Lines are JSON with a level label,
// an ISO time and `service` (the program).
//
// Lines go to stdout through one asynchronous, bounded destination per process
// (log-destination.ts): a log call formats its line (a few µs) and queues it; a
// 20 ms media tick never waits for stdout. Every way out of a program goes
// through exitAfterLogs, so the last lines are written before the process ends.
import { pino, type DestinationStream, type Logger } from 'pino';
import { redactedFieldNames, redactFields } from './log-fields.js';
import { stdoutLog } from './log-destination.js';
import { lineScrubber, serializeError } from './log-scrub.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** How long an exiting program waits for stdout to take its last lines. */
export const LOG_FLUSH_DEADLINE_MS = 2_000;

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

/** A logger writing to `destination`, by default the process's stdout destination. */
export function createLogger(options: LoggerOptions, destination: DestinationStream = stdoutLog()): Logger {
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
 * `formatters.log` sees a call's own fields, not a child's bindings, and pino
 * passes only the root's bindings through `formatters.bindings`; so a child's
 * bindings (`logger.child({ caller })`) are redacted here, once, when the child
 * is made. Children inherit the root's own `child` through their prototype, so
 * every descendant (fastify's request loggers too) goes through this wrapper.
 */
function redactChildBindings(logger: Logger, names: ReadonlySet<string>): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called through child.call(this, ...) below
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactFields(bindings, names), childOptions);
  } as Logger['child'];
}

/**
 * Ends the process with `code` once stdout has taken every line logged so far
 * (at most LOG_FLUSH_DEADLINE_MS: a stdout that never drains must not keep a
 * stopping program alive).
 */
export async function exitAfterLogs(code: number): Promise<never> {
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([stdoutLog().flush(), new Promise((resolve) => (deadline = setTimeout(resolve, LOG_FLUSH_DEADLINE_MS)))]);
  clearTimeout(deadline);
  process.exit(code);
}

export type { Logger };
