// One pino logger per process. Secrets are always redacted; caller numbers and
// transcripts live in fields (`from`, `to`, `text`) that LOG_REDACT_PII removes.
import { pino, type DestinationStream, type Logger } from 'pino';

const SECRET_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'csrfToken',
  '*.csrfToken',
];
const PII_PATHS = ['from', 'to', 'text', '*.from', '*.to', '*.text', 'caller', '*.caller'];

/**
 * Keys never written from a serialized error: node-postgres attaches the
 * whole client (with its connection password) to pool errors as `client`.
 */
const UNSAFE_ERROR_KEYS = new Set(['client', 'connectionParameters', 'password', 'connectionString']);
const MAX_SCRUB_DEPTH = 6;

function scrub(value: unknown, depth: number): unknown {
  if (depth > MAX_SCRUB_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!UNSAFE_ERROR_KEYS.has(key)) out[key] = scrub(inner, depth + 1);
  }
  return out;
}

/** pino's error serializer (with causes), minus anything that can carry a credential. */
export function serializeError(error: unknown): unknown {
  return scrub(error instanceof Error ? pino.stdSerializers.errWithCause(error) : error, 0);
}

export interface LoggerOptions {
  level: string;
  redactPii?: boolean;
  name?: string;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const paths = options.redactPii ? [...SECRET_PATHS, ...PII_PATHS] : SECRET_PATHS;
  return pino(
    {
      level: options.level,
      base: { service: options.name ?? 'backend' },
      redact: { paths, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous stdout: lines keep their order and the last ones before an exit are not lost.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export type { Logger };
