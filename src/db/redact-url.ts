// Database URLs carry the password; anything that logs or prints one goes through here.

const MASK = '****';

/**
 * Returns `url` with its password (and any `password` query parameter) replaced by
 * `****`. Input that does not parse as a URL is not echoed at all: it may still
 * contain a password in a shape we cannot locate.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unparseable database URL]';
  }
  if (parsed.password !== '') parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') parsed.searchParams.set(key, MASK);
  }
  return parsed.toString();
}
