// Logging from the media thread goes through the main thread's logger, so
// there is one destination, one redaction and one scrubbing of secrets per
// process: the media thread's pino writes raw JSON lines into a message, the
// main thread logs each again with its own logger (relogLine).
import { pino, type Logger } from 'pino';

/** A logger whose lines are handed to `post` (from the media thread). */
export function threadLogger(level: string, post: (line: string) => void): Logger {
  return pino({ level, base: null, timestamp: false }, { write: post });
}

const LEVEL_NAMES: Readonly<Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Logs one line of threadLogger() with `logger` (on the main thread); a line that is not one is ignored. */
export function relogLine(logger: Logger, line: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return;
  }
  if (typeof parsed !== 'object' || parsed === null) return;
  const { level, msg, ...fields } = parsed as { level?: unknown; msg?: unknown } & Record<string, unknown>;
  const name = typeof level === 'number' ? LEVEL_NAMES[level] : undefined;
  if (name === undefined) return;
  logger[name]({ thread: 'media', ...fields }, typeof msg === 'string' ? msg : '');
}
