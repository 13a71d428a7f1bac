// Which log fields carry personal data or secrets, and their removal. Part of
// the seam: both programs log the same kinds of data (caller numbers,
// transcripts, tool arguments, tokens), and LOG_REDACT_PII can only remove
// what sits under these names. A log call that carries such data puts it under
// one of them, at any depth; the message text (`msg`) is always fixed text.
//
// The walk replaces pino's `redact.paths`: with wildcards at several depths
// those cost 40-90 µs a line, the walk well under 1 µs for a usual line.

/**
 * Personal data of callers, removed when LOG_REDACT_PII is on:
 * - `from`, `to`: the caller's number and the dialed number (raw or E.164);
 * - `fromNumber`, `toNumber`: the same on a CallLog record;
 * - `phoneNumber`: a number a business owns (it is some caller's dialed number);
 * - `caller`: who called (name and number), `callerName`, `callbackNumber`;
 * - `text`, `transcript`: what someone said, or the text of a message taken;
 * - `toolArgs`, `toolResult`: arguments of a tool the language model called (a
 *   message's contents) and what a business's tool answered (its customer's data);
 * - `excerpt`: raw text from elsewhere (an ARI event frame, the database server's
 *   output) that may quote any of the above.
 */
export const PII_LOG_FIELDS = Object.freeze([
  'from',
  'to',
  'fromNumber',
  'toNumber',
  'phoneNumber',
  'caller',
  'callerName',
  'callbackNumber',
  'text',
  'transcript',
  'toolArgs',
  'toolResult',
  'excerpt',
] as const);

/** Credentials (header names included): redacted in every mode. */
export const SECRET_LOG_FIELDS = Object.freeze([
  'password',
  'token',
  'apiKey',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
  'csrfToken',
  'connectionString',
] as const);

/** The value written in place of a redacted field. */
export const REDACTED = '[redacted]';

/** Deeper than any object we log; bounds the walk on a cyclic object. */
const MAX_DEPTH = 8;

/** The field names to remove in a mode: secrets always, personal data when `redactPii`. */
export function redactedFieldNames(redactPii: boolean): ReadonlySet<string> {
  return new Set<string>(redactPii ? [...SECRET_LOG_FIELDS, ...PII_LOG_FIELDS] : SECRET_LOG_FIELDS);
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with every field named in `names` replaced by REDACTED, at any depth of
 * plain objects and arrays. Copies only what it changes: the caller's objects are
 * never modified, and a line with nothing to redact costs no allocation. Class
 * instances (errors, requests) are left to their serializers. Null and undefined
 * stay as they are: they carry no data.
 */
export function redactFields<T>(value: T, names: ReadonlySet<string>, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || !isPlainContainer(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i += 1) {
      const next = redactFields<unknown>(value[i], names, depth + 1);
      if (next !== value[i]) (copy ??= [...value])[i] = next;
    }
    return (copy ?? value) as T;
  }
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key in source) {
    if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
    const inner = source[key];
    const next = names.has(key) && inner !== null && inner !== undefined ? REDACTED : redactFields(inner, names, depth + 1);
    if (next !== inner) (copy ??= { ...source })[key] = next;
  }
  return (copy ?? source) as T;
}
