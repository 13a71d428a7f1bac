// Bearer token check for the internal API. The comparison takes the same time
// whatever the presented token is (both sides are hashed to a fixed length
// first, so not even the token's length leaks). The token is never logged.
import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER_PREFIX = /^Bearer +/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A checker for `authorization` header values against the shared `token`. */
export function bearerTokenChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    if (authorization === undefined || !BEARER_PREFIX.test(authorization)) return false;
    return timingSafeEqual(digest(authorization.replace(BEARER_PREFIX, '')), expected);
  };
}
