// Trusted-device cookies for sign-in throttling (login-throttle.ts): after a
// successful sign-in the browser gets `dev=<nonce>.<mac>`, where mac is an
// HMAC-SHA256 keyed with the account's password hash over the account id and
// the nonce. Only the server can make one (it alone has the hash), it names
// the account without saying which, and every device cookie of an account
// stops working when its password changes. The nonce identifies the device
// for its own failure count.
import { createHmac, randomBytes } from 'node:crypto';
import { serializeCookie } from './cookies.js';
import { tokensEqual } from './tokens.js';

export const DEVICE_COOKIE = 'dev';
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 3600;

const FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

interface Account {
  id: string;
  passwordHash: string;
}

function mac(account: Account, nonce: string): string {
  return createHmac('sha256', account.passwordHash).update(`staff device\n${account.id}\n${nonce}`, 'utf8').digest('base64url');
}

export function issueDeviceToken(account: Account): string {
  const nonce = randomBytes(16).toString('base64url');
  return `${nonce}.${mac(account, nonce)}`;
}

/** The device's id when `token` was issued for `account` (under its current password), else null. */
export function verifyDeviceToken(token: string | undefined, account: Account): string | null {
  const match = token === undefined ? null : FORMAT.exec(token);
  if (!match) return null;
  const [, nonce = '', presented = ''] = match;
  return tokensEqual(presented, mac(account, nonce)) ? `${account.id}:${nonce}` : null;
}

/** Strict: only sign-ins on this site send it; HttpOnly: scripts never see it. */
export function deviceCookie(token: string, secure: boolean): string {
  return serializeCookie(DEVICE_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS,
  });
}
