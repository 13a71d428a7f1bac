// Who may see the operator view: whoever presents OPERATOR_TOKEN once, on the
// operator sign-in form. The browser then holds a separate cookie that is not
// the token but an expiring HMAC credential derived from it: a leaked cookie
// cannot be used as the admin API's bearer token, lapses after
// OPERATOR_SESSION_MS, and every such cookie stops working when the token
// changes. It is stateless, so signing out clears the browser's copy only;
// the short lifetime bounds what a copied cookie is worth.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { tokensEqual } from '../staff/tokens.js';

export const OPERATOR_COOKIE = 'op';
/** Sent only to the operator pages (never to the staff pages or APIs). */
export const OPERATOR_COOKIE_PATH = '/operator';
export const OPERATOR_SESSION_MS = 8 * 60 * 60_000;

const CREDENTIAL = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export class OperatorGate {
  private readonly key: Buffer;

  constructor(
    private readonly operatorToken: string,
    private readonly now: () => Date,
  ) {
    this.key = createHash('sha256').update(`operator console cookie key\n${operatorToken}`, 'utf8').digest();
  }

  /** Constant-time check of a presented token. */
  tokenMatches(presented: string): boolean {
    return presented.length > 0 && tokensEqual(presented, this.operatorToken);
  }

  /** A new credential: "<expiry epoch s>.<nonce>.<hmac>". */
  issue(): { value: string; maxAgeSeconds: number } {
    const expiresAtSeconds = Math.floor((this.now().getTime() + OPERATOR_SESSION_MS) / 1000);
    const body = `${expiresAtSeconds}.${randomBytes(16).toString('base64url')}`;
    return { value: `${body}.${this.mac('session', body)}`, maxAgeSeconds: OPERATOR_SESSION_MS / 1000 };
  }

  /** Whether `value` is a credential this gate issued and it has not expired. */
  verify(value: string | undefined): boolean {
    const match = value === undefined ? null : CREDENTIAL.exec(value);
    if (!match) return false;
    const [, expiresAt = '', nonce = '', mac = ''] = match;
    if (Number(expiresAt) * 1000 <= this.now().getTime()) return false;
    return tokensEqual(mac, this.mac('session', `${expiresAt}.${nonce}`));
  }

  /** The sign-out form's CSRF token for a credential (another site cannot read or compute it). */
  csrfToken(credential: string): string {
    return this.mac('csrf', credential);
  }

  private mac(purpose: string, text: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${text}`, 'utf8').digest('base64url');
  }
}
