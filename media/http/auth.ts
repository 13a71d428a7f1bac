// Bearer-token check for the control API, in constant time with respect to
// the token's content and length: both sides are hashed to a fixed size first.
import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER_PATTERN = /^Bearer +(\S+) *$/i;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export type BearerCheck = (authorizationHeader: string | undefined) => boolean;

export function createBearerCheck(expectedToken: string): BearerCheck {
  const expectedDigest = digest(expectedToken);
  return (authorizationHeader) => {
    const presented = authorizationHeader === undefined ? undefined : BEARER_PATTERN.exec(authorizationHeader)?.[1];
    // Hash something even when the header is absent or malformed, so every failure costs the same.
    const matches = timingSafeEqual(digest(presented ?? ''), expectedDigest);
    return presented !== undefined && matches;
  };
}
