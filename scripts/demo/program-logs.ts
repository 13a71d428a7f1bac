// The backend's and the gateway's logs during the demo: warnings and errors
// only, turned into one plain line each, kept for the failure report (and
// printed as they happen with --verbose). The programs' loggers redact secrets
// before anything reaches this sink.
import type { DestinationStream, Logger } from 'pino';
import { createLogger } from '../../src/logger.js';
import { createMediaLogger } from '../../media/logger.js';

const KEPT_LINES = 40;

export interface ProgramLogs {
  readonly backend: Logger;
  readonly gateway: Logger;
  /** The last warnings and errors, oldest first. */
  lines(): readonly string[];
}

/** Fields every line has; the others are the line's details. */
const STANDARD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg', 'err', 'component']);

function detailText(entry: Record<string, unknown>): string {
  const details = Object.entries(entry)
    .filter(([key, value]) => !STANDARD_FIELDS.has(key) && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}=${String(value)}`);
  const err = entry.err as { message?: unknown } | string | undefined;
  const errText = typeof err === 'string' ? err : typeof err?.message === 'string' ? err.message : null;
  if (errText) details.push(`err=${errText}`);
  return details.length > 0 ? ` (${details.join(', ')})` : '';
}

/** One pino JSON line as `warn  media-gateway: provider unavailable (provider=stt, reason=...)`. */
export function plainLogLine(json: string): string {
  try {
    const entry = JSON.parse(json) as Record<string, unknown>;
    const level = typeof entry.level === 'string' ? entry.level : 'log';
    const service = typeof entry.service === 'string' ? entry.service : 'program';
    const message = typeof entry.msg === 'string' ? entry.msg : '';
    return `${level.padEnd(5)} ${service}: ${message}${detailText(entry)}`;
  } catch {
    return json.trim();
  }
}

export function createProgramLogs(options: { verbose: boolean; write: (line: string) => void }): ProgramLogs {
  const kept: string[] = [];
  const sink: DestinationStream = {
    write(chunk: string): void {
      for (const json of chunk.split('\n')) {
        if (json.trim() === '') continue;
        const line = plainLogLine(json);
        kept.push(line);
        if (kept.length > KEPT_LINES) kept.shift();
        if (options.verbose) options.write(`  [${line}]`);
      }
    },
  };
  return {
    backend: createLogger({ level: 'warn', name: 'backend' }, sink),
    gateway: createMediaLogger('warn', sink),
    lines: () => [...kept],
  };
}
