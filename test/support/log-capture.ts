// The backend's real logger (same redaction and serializers), writing into
// memory so tests can read what was logged (e.g. to prove no secret was).
import type { Logger } from 'pino';
import { createLogger } from '../../src/logger.js';

export interface LogCapture {
  readonly logger: Logger;
  /** Every log line written so far (JSON text). */
  lines(): string[];
  /** Parsed log entries with this `msg`. */
  entries(msg: string): Record<string, unknown>[];
}

export function captureLogs(level = 'debug'): LogCapture {
  const lines: string[] = [];
  const logger = createLogger({ level, name: 'test' }, { write: (line: string) => void lines.push(line) });
  return {
    logger,
    lines: () => lines,
    entries: (msg) =>
      lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === msg),
  };
}
