// Free text that reaches a log line without a field name to redact: error
// messages and stacks (a driver quoting a row, a URL with its password), and
// as a last line of defence the finished line itself. Field redaction
// (log-fields.ts) is the rule; this catches what a message embeds.
import { pino } from 'pino';
import { REDACTED, redactFields } from './log-fields.js';

/** Shorter configured secrets are not searched for in text: too likely to match ordinary words. */
export const MIN_SCRUBBED_SECRET_LENGTH = 6;

/** `scheme://user:password@`: the password is masked as database URLs are everywhere else. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s"'/?#@:]*):[^\s"'/?#@]+@/gi;
const URL_PASSWORD_MASK = '$1:****@';
/** An HTTP credential quoted in text (`Bearer …`, `Basic …`): a token with a digit or base64 padding, not a word. */
const AUTH_CREDENTIALS = /\b(Bearer|Basic) +(?=[A-Za-z._~-]*[0-9+/=])[A-Za-z0-9._~+/=-]{6,}/g;
/** A phone number in international form anywhere in a line (`+1 555 123 4567`, `+15551230000`). */
const INTERNATIONAL_NUMBER = /\+\d(?:[ ()-]{0,2}\d){6,14}/g;
/**
 * A phone number in an error's text, with or without `+`: 7 to 15 digits with
 * spaces, hyphens or parentheses between them, not part of a word, an address
 * (`127.0.0.1`), a port or a path.
 */
const NUMBER_IN_TEXT = /(?<![\w+.:/-])\+?\(?\d(?:[ ()-]{0,2}\d){6,14}(?![\w.:/-])/g;
/** Stack frames of a stack trace; the lines before them repeat the message. */
const STACK_FRAME = /^\s+at /;

/** node-postgres attaches the client (with its connection password) to pool errors. */
const UNSAFE_ERROR_KEYS: ReadonlySet<string> = new Set(['client', 'connectionParameters', 'password', 'connectionString']);
/** node-postgres `detail` quotes row values ("Key (e164)=(+1555…)", "Failing row contains (…)"). */
const PII_ERROR_KEYS: ReadonlySet<string> = new Set(['detail']);
const MAX_ERROR_DEPTH = 6;

/** Masks credentials in `text` (always applied). */
export function scrubCredentials(text: string): string {
  let out = text;
  if (out.includes('://')) out = out.replace(URL_CREDENTIALS, URL_PASSWORD_MASK);
  if (out.includes('Bearer') || out.includes('Basic')) out = out.replace(AUTH_CREDENTIALS, `$1 ${REDACTED}`);
  return out;
}

/** Masks phone numbers, with or without `+`, in an error's text (LOG_REDACT_PII). */
export function scrubNumbers(text: string): string {
  return text.replace(NUMBER_IN_TEXT, REDACTED);
}

/**
 * The finished-line filter (pino's streamWrite hook): configured secret values
 * and URL passwords always, international phone numbers with `redactPii`.
 * Secrets are matched as they appear inside a JSON string (escaped).
 */
export function lineScrubber(secrets: readonly string[], redactPii: boolean): (line: string) => string {
  const needles = [
    ...new Set(
      secrets
        .filter((secret) => secret.length >= MIN_SCRUBBED_SECRET_LENGTH)
        .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]),
    ),
  ].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    out = scrubCredentials(out);
    if (redactPii && out.includes('+')) out = out.replace(INTERNATIONAL_NUMBER, REDACTED);
    return out;
  };
}

/**
 * A message cut to its first non-empty line, numbers masked. Drivers render the
 * data they were given in the lines after it (Prisma prints the query's
 * arguments); what went wrong stays in the error's own fields (`code`, Prisma's
 * `meta` with the database's message), which are kept.
 */
function privateMessage(message: string): string {
  const first = message.split('\n').find((line) => line.trim() !== '') ?? '';
  return scrubNumbers(first);
}

/** The stack's frames under the private message: the lines before the frames repeat the message. */
function privateStack(stack: string, message: string): string {
  const frames = stack.split('\n').filter((line) => STACK_FRAME.test(line));
  return [message, ...frames].join('\n');
}

function scrubErrorValue(value: unknown, redactPii: boolean, depth: number): unknown {
  if (typeof value === 'string') return redactPii ? scrubNumbers(scrubCredentials(value)) : scrubCredentials(value);
  if (value === null || typeof value !== 'object' || depth > MAX_ERROR_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => scrubErrorValue(item, redactPii, depth + 1));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(source)) {
    if (UNSAFE_ERROR_KEYS.has(key) || (redactPii && PII_ERROR_KEYS.has(key))) continue;
    out[key] = scrubErrorValue(inner, redactPii, depth + 1);
  }
  if (redactPii && typeof source.message === 'string') {
    const message = privateMessage(scrubCredentials(source.message));
    out.message = message;
    if (typeof source.stack === 'string') out.stack = privateStack(scrubCredentials(source.stack), message);
  }
  return out;
}

/**
 * pino's error serializer (with causes) for both programs: never the keys that
 * carry a connection password, credentials masked in every text; with
 * `redactPii` also no driver `detail` (at any depth), messages cut to their
 * first line and phone numbers masked. Fields named in `names` are redacted as in any line.
 */
export function serializeError(error: unknown, redactPii: boolean, names: ReadonlySet<string>): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.errWithCause(error) : error;
  return redactFields(scrubErrorValue(serialized, redactPii, 0), names);
}
