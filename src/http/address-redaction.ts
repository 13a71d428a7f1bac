// Texts shown to people who should not learn the deployment's internals (the
// anonymous readiness probe, a business's staff) lose the network addresses
// that error messages carry: URLs, host:port pairs and IP addresses become
// "[address]". The operator's own views keep the full text.

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s)'"<>,]+/gi;
/** Bracketed IPv6 (with a port), or a bare IPv6 of at least three groups, with a zone. */
const IPV6 = /\[[0-9a-f:.]+\](?::\d{1,5})?|(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f.]{0,15}(?:%[\w.-]+)?(?![\w:])/gi;
const IPV4_WITH_PORT = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g;
/** host:port where the host is a name with a letter (localhost:8088, media-gateway:8090), not a time (12:34). */
const NAME_WITH_PORT = /\b[a-z0-9-]*[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*:\d{2,5}\b/gi;

export const ADDRESS_PLACEHOLDER = '[address]';

export function redactAddresses(text: string): string {
  return text
    .replace(URL_PATTERN, ADDRESS_PLACEHOLDER)
    .replace(IPV6, (match) => ((match.match(/:/g)?.length ?? 0) >= 2 ? ADDRESS_PLACEHOLDER : match))
    .replace(IPV4_WITH_PORT, ADDRESS_PLACEHOLDER)
    .replace(NAME_WITH_PORT, ADDRESS_PLACEHOLDER);
}

/** Every string anywhere in a JSON-like value (arrays, plain objects) with its addresses redacted. */
export function redactAddressesDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactAddresses(value);
  if (Array.isArray(value)) return value.map(redactAddressesDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactAddressesDeep(item)]));
  }
  return value;
}
