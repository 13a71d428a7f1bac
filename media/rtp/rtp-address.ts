// Address helpers for matching datagram sources against the remotes the
// backend reports. Datagram sources are always IP literals; a dual-stack
// (udp6) socket reports IPv4 peers as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), so
// both sides are brought to one canonical spelling before comparison.
import { isIP } from 'node:net';

const IPV4_MAPPED_PREFIX = '::ffff:';
const IPV4_MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** Canonical spelling of an IP literal; null when `host` is not one. */
export function canonicalIp(host: string): string | null {
  const family = isIP(host);
  if (family === 4) return host;
  if (family !== 6) return null;
  // The WHATWG URL parser prints IPv6 in the RFC 5952 form, as the OS does for
  // datagram sources, except that it prints an IPv4-mapped tail in hex.
  const printed = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  const mappedHex = IPV4_MAPPED_HEX.exec(printed);
  if (mappedHex === null) return printed;
  const high = Number.parseInt(mappedHex[1]!, 16);
  const low = Number.parseInt(mappedHex[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** `::ffff:192.0.2.1` -> `192.0.2.1`; anything else unchanged. Cheap enough for every datagram. */
export function unmapIpv4(address: string): string {
  if (address.startsWith(IPV4_MAPPED_PREFIX) && isIP(address.slice(IPV4_MAPPED_PREFIX.length)) === 4) {
    return address.slice(IPV4_MAPPED_PREFIX.length);
  }
  return address;
}

export function isUnspecifiedIp(canonical: string): boolean {
  return canonical === '0.0.0.0' || canonical === '::';
}

export const formatEndpoint = (host: string, port: number): string =>
  isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
