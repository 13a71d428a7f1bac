// Signed HTTP requests in the Standard Webhooks format (the scheme Svix
// uses; https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
// Both programs sign with it: the backend its webhooks, the gateway its calls
// of a business's HTTP tools, so a receiver verifies both the same way.
//
//   webhook-id:        msg_...                 unique per message; the same on every retry
//   webhook-timestamp: 1718000000              seconds since the epoch, of this attempt
//   webhook-signature: v1,<base64> [v1,<base64>]
//
// where <base64> = base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")) and the
// key is the base64-decoded part of the secret after "whsec_". During a
// secret's rotation both the new and the previous secret sign (space separated):
// a receiver accepts the request when one of them verifies.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNING_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Random bytes of a new secret (the spec asks for 24 to 64). */
const SECRET_BYTES = 32;
/** A receiver refuses a timestamp further than this from its clock (replays). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export function newSigningSecret(): string {
  return `${SIGNING_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** A whsec_ secret whose key decodes to 24-64 bytes. */
export function isSigningSecret(secret: string): boolean {
  if (!secret.startsWith(SIGNING_SECRET_PREFIX)) return false;
  const encoded = secret.slice(SIGNING_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const length = Buffer.from(encoded, 'base64').length;
  return length >= 24 && length <= 64;
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SIGNING_SECRET_PREFIX) ? secret.slice(SIGNING_SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** One signature, `v1,<base64>`. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of a signed request; every secret given signs (rotation). */
export function signedHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  if (secrets.length === 0) throw new Error('signing needs at least one secret');
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestampSeconds),
    [WEBHOOK_HEADERS.signature]: secrets.map((secret) => sign(secret, id, timestampSeconds, body)).join(' '),
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * A receiver's check: the timestamp is recent and one of the `v1` signatures
 * is the HMAC of this id, timestamp and exact body under `secret`.
 */
export function verifySignature(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): VerifyResult {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp is not a number of seconds' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'webhook-timestamp is too far from the current time' };
  }
  const expected = Buffer.from(sign(secret, id, Number(timestamp), body));
  for (const candidate of signature.split(' ')) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no signature matches' };
}
