// TRUST_PROXY: which X-Forwarded-For entries name the client. A header any
// client can write is only believable for the hops our own proxies appended,
// so the setting says how many proxies there are, or which addresses they
// have, never "trust the header":
//
//   false (default)        the TCP peer is the client (no proxy in front)
//   1, 2, ...              that many proxies: the client is that many entries
//                          from the right of X-Forwarded-For
//   10.0.0.0/8,::1, ...    proxies' addresses or CIDRs (also loopback,
//                          linklocal, uniquelocal): the client is the
//                          rightmost address that is not one of them
//
// "true" is refused: it would take the leftmost entry, which the client chose.
import { isIP } from 'node:net';

export type TrustProxy = false | number | readonly string[];

const MAX_HOPS = 10;
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function validCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** The setting, or a problem naming what is wrong (never the whole value's meaning guessed). */
export function parseTrustProxy(text: string): TrustProxy | { problem: string } {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'false' || value === 'no' || value === '0') return false;
  if (value === 'true' || value === 'yes') {
    return {
      problem:
        'true would believe any X-Forwarded-For a client sends; give the number of proxies in front of the backend (e.g. 1) or their addresses/CIDRs',
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= MAX_HOPS ? hops : { problem: `must be at most ${MAX_HOPS} proxies` };
  }
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !validCidr(entry));
  if (bad.length > 0) return { problem: `not an address or CIDR: ${bad.join(', ')} (use false, a number of proxies, or addresses/CIDRs)` };
  return Object.freeze(entries);
}
