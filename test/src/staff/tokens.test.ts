import { describe, expect, it } from 'vitest';
import { newToken, tokenDigest, tokensEqual } from '../../../src/staff/tokens.js';

describe('tokens', () => {
  it('makes 256-bit base64url tokens and stores their SHA-256', () => {
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
    expect(tokenDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares tokens whatever their lengths', () => {
    expect(tokensEqual('same', 'same')).toBe(true);
    expect(tokensEqual('same', 'Same')).toBe(false);
    expect(tokensEqual('short', 'a-much-longer-token')).toBe(false);
  });
});
