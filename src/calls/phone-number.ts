// E.164 normalization for dialed and caller numbers (ITU-T E.164: "+", country
// code, subscriber number, at most 15 digits in all).

const E164 = /^\+[1-9]\d{6,14}$/;
const SEPARATORS = /[\s().-]/g;

/**
 * Normalizes a number as a SIP trunk may present it ("+1 986-333-4949",
 * "19863334949", "0019863334949", "9863334949") to E.164, or null when it is
 * not a phone number (e.g. the dialplan's "s" extension or "anonymous").
 * Numbers without a country code get `defaultCountryCode`.
 */
export function normalizeE164(raw: string | null | undefined, defaultCountryCode: string): string | null {
  if (!raw) return null;
  const compact = raw.trim().replace(SEPARATORS, '');
  let candidate: string;
  if (compact.startsWith('+')) candidate = compact;
  else if (compact.startsWith('00')) candidate = `+${compact.slice(2)}`;
  else if (!/^\d+$/.test(compact)) return null;
  // More than 10 digits: the country code is already there (NANP "1" + 10 digits,
  // or an international number without its "+"); otherwise a national number.
  else if (compact.length > 10) candidate = `+${compact}`;
  else candidate = `+${defaultCountryCode}${compact}`;
  return E164.test(candidate) ? candidate : null;
}
