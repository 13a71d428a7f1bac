// Normalizes the configured ARI address into the two bases the client needs.
// Accepted: `http(s)://host[:port][/prefix]` optionally followed by `/`, `/ari` or `/ari/`
// (a reverse-proxy prefix before `/ari` is kept). Credentials are configured separately and
// are rejected here so that they can never end up in URLs or logs.

export interface AriUrls {
  /** e.g. `http://asterisk:8088`: no trailing slash, no `/ari`; REST paths go under `${httpBase}/ari`. */
  httpBase: string;
  /** The same address with `ws:`/`wss:`; the events socket is `${wsBase}/ari/events`. */
  wsBase: string;
}

export function normalizeAriUrl(input: string): AriUrls {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error('ARI URL is not a valid URL (expected e.g. http://asterisk:8088)');
  }
  if (url.username !== '' || url.password !== '') {
    // The input is deliberately not echoed: it contains a secret.
    throw new Error(
      'ARI URL must not contain credentials; configure the ARI username and password separately',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`ARI URL must use http or https, got "${url.protocol.replace(/:$/, '')}"`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error('ARI URL must not contain a query string or fragment');
  }

  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/ari')) path = path.slice(0, -'/ari'.length);

  const httpBase = `${url.protocol}//${url.host}${path}`;
  const wsBase = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${path}`;
  return { httpBase, wsBase };
}
