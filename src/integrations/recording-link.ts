// Signed, expiring links to a call's recording, for call.ended webhooks: the
// business's system fetches the WAV without a console session. The link names
// the call and its expiry; the signature (HMAC-SHA256 of both, with a key
// only the backend has) makes it unforgeable and unchangeable.
//
//   <PUBLIC_URL>/recordings/<callId>?expires=<unix seconds>&signature=<base64url>
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RECORDING_LINK_PATH = '/recordings';

function signatureOf(secret: string, callId: string, expiresSeconds: number): string {
  return createHmac('sha256', secret).update(`recording\n${callId.toLowerCase()}\n${expiresSeconds}`).digest('base64url');
}

export function recordingLink(options: { publicUrl: string; secret: string; callId: string; expiresAt: Date }): string {
  const expires = Math.floor(options.expiresAt.getTime() / 1000);
  const signature = signatureOf(options.secret, options.callId, expires);
  return `${options.publicUrl}${RECORDING_LINK_PATH}/${encodeURIComponent(options.callId)}?expires=${expires}&signature=${signature}`;
}

export type LinkCheck = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'bad_signature' };

/** Whether `expires` and `signature` (from the query) make a valid, unexpired link to `callId`. */
export function checkRecordingLink(secret: string, callId: string, expires: unknown, signature: unknown, now: Date): LinkCheck {
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(signatureOf(secret, callId, Number(expires)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if (Number(expires) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true };
}
