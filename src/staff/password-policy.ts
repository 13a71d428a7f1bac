// What a new staff password must be (NIST SP 800-63B section 5.1.1.2): long
// enough, not a common password, and not built from one. No composition rules
// (they push people to "Password1!"), no expiry.
//
//   - at least 12 characters (Unicode code points), at most 256;
//   - not one character repeated;
//   - not in the common-passwords list shipped in common-passwords.txt, also
//     once leading and trailing digits and symbols are removed
//     ("password1234", "!sunshine2024" are refused);
//   - not the account's email or its part before "@".
import { readFileSync } from 'node:fs';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** Shorter cores are not looked up: "ab" inside "ab1234567890" says nothing. */
const MIN_CORE_LENGTH = 4;

let commonPasswords: ReadonlySet<string> | null = null;

/** The shipped list, read once on first use. */
export function loadCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return commonPasswords;
}

function variants(password: string): string[] {
  const lower = password.normalize('NFC').toLowerCase();
  const trimmed = lower.replace(/^[\d\W_]+/u, '').replace(/[\d\W_]+$/u, '');
  const withoutTail = lower.replace(/[\d\W_]+$/u, '');
  const withoutHead = lower.replace(/^[\d\W_]+/u, '');
  return [...new Set([lower, trimmed, withoutTail, withoutHead])].filter((core) => core.length >= MIN_CORE_LENGTH);
}

export interface PasswordContext {
  /** The account's email, when known. */
  email?: string | null;
}

/** Why `password` is not acceptable, in words for the person typing it; null when it is. */
export function passwordProblem(password: string, context: PasswordContext = {}): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (new Set(password).size === 1) return 'must not be one character repeated';
  const common = loadCommonPasswords();
  if (variants(password).some((core) => common.has(core))) {
    return 'is too common (it is on a list of passwords attackers try first); choose a longer phrase of unrelated words';
  }
  const email = context.email?.trim().toLowerCase();
  if (email) {
    const lower = password.toLowerCase();
    const name = email.split('@')[0] ?? '';
    if (lower === email || (name.length >= MIN_CORE_LENGTH && variants(password).includes(name))) {
      return 'must not be your email address';
    }
  }
  return null;
}
