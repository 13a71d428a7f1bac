// Where the programs may send a business's requests (webhooks, HTTP tools,
// MCP servers): the URL a manager typed decides the destination, so without a
// guard a business could make our servers call the cloud's metadata service,
// the database or the gateway's control API (SSRF).
//
// - The URL: http or https (https only when `requireHttps`, i.e. production),
//   no user name or password in it.
// - The destination: every address the host resolves to must be public
//   (not loopback, private, link-local, CGNAT, multicast, documentation or
//   reserved ranges), unless the operator allows private networks.
// - Checked when a URL is saved and again at every connection: `guardedLookup`
//   is the lookup the HTTP client connects through, so a name that resolved
//   to a public address when saved and to 127.0.0.1 now (DNS rebinding) is
//   refused before any byte is sent. Redirects are never followed blindly
//   (guarded-fetch.ts answers them to the caller, who refuses them).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface OutboundPolicy {
  /** The operator's INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: private, loopback and link-local destinations are allowed. */
  readonly allowPrivateNetworks: boolean;
  /** Production: plain http:// is refused. */
  readonly requireHttps: boolean;
}

export class DestinationRefusedError extends Error {
  readonly code = 'EDESTINATIONREFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  // IPv4-compatible (deprecated) and NAT64 local-use prefixes embed addresses we cannot vouch for.
  ['::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** A unicast address reachable on the Internet (the ranges above excluded). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  const inner = embeddedIpv4(address);
  if (inner !== null) return isPublicAddress(inner);
  return !NOT_PUBLIC.check(address, 'ipv6');
}

function allowed(address: string, policy: OutboundPolicy): boolean {
  return policy.allowPrivateNetworks || isPublicAddress(address);
}

const refusedAddress = (host: string, address: string): string =>
  host === address
    ? `${address} is a private, loopback or reserved address`
    : `${host} resolves to ${address}, a private, loopback or reserved address`;

/** The host of a URL without IPv6 brackets. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** What is wrong with `text` as a destination, judged on the URL alone (no DNS); null when nothing. */
export function urlProblem(text: string | URL, policy: OutboundPolicy): string | null {
  let url: URL;
  try {
    url = typeof text === 'string' ? new URL(text) : text;
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must start with https://';
  if (url.protocol === 'http:' && policy.requireHttps) return 'must use https://';
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  const host = bareHost(url);
  if (host === '') return 'has no host';
  if (isIP(host) !== 0 && !allowed(host, policy)) return `is not allowed: ${refusedAddress(host, host)}`;
  return null;
}

export type Resolver = (host: string) => Promise<readonly LookupAddress[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/**
 * The check when a URL is saved: `urlProblem`, then every address the host
 * resolves to now. Null when the destination is acceptable.
 */
export async function destinationProblem(text: string, policy: OutboundPolicy, resolver: Resolver = systemResolver): Promise<string | null> {
  const problem = urlProblem(text, policy);
  if (problem !== null) return problem;
  const url = new URL(text);
  const host = bareHost(url);
  if (isIP(host) !== 0 || policy.allowPrivateNetworks) return null;
  let addresses: readonly LookupAddress[];
  try {
    addresses = await resolver(host);
  } catch {
    return `is not reachable: the host name ${host} does not resolve`;
  }
  if (addresses.length === 0) return `is not reachable: the host name ${host} does not resolve`;
  const refused = addresses.find((entry) => !allowed(entry.address, policy));
  return refused ? `is not allowed: ${refusedAddress(host, refused.address)}` : null;
}

/**
 * A `lookup` for net/http/https connections that refuses hosts resolving to
 * any address the policy does not allow (all of a name's addresses are
 * checked, not only the one connected to). Answers in the form Node asked for
 * (`all: true` with autoSelectFamily).
 */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options === 'number' ? options : (options?.family ?? 0);
    const wantsAll = typeof options === 'object' && options !== null && options.all === true;
    dnsLookup(hostname, { family: family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : family, all: true, verbatim: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const refused = addresses.find((entry) => !allowed(entry.address, policy));
      const first = addresses[0];
      if (refused || !first) {
        const reason = refused ? refusedAddress(hostname, refused.address) : `${hostname} has no address`;
        callback(new DestinationRefusedError(`destination refused: ${reason}`), '', 0);
        return;
      }
      if (wantsAll) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
