import { describe, expect, it } from 'vitest';
import { parseCookies, serializeCookie } from '../../../src/staff/cookies.js';

describe('cookies', () => {
  it('parses pairs, keeps the first of a name, unquotes, and skips junk', () => {
    const cookies = parseCookies('theme=dark; sid=abc_DEF-1;sid=second; quoted="q v"; junk; =nameless; empty=');
    expect([...cookies]).toEqual([
      ['theme', 'dark'],
      ['sid', 'abc_DEF-1'],
      ['quoted', 'q v'],
      ['empty', ''],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('serializes with attributes and refuses values that would inject attributes', () => {
    expect(serializeCookie('sid', 'tok', { httpOnly: true, secure: true, sameSite: 'Strict', maxAgeSeconds: 60 })).toBe(
      'sid=tok; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict',
    );
    expect(serializeCookie('sid', '', { maxAgeSeconds: 0 })).toBe('sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(() => serializeCookie('sid', 'a; Domain=evil.example')).toThrow(/invalid cookie value/);
    expect(() => serializeCookie('s id', 'a')).toThrow(/invalid cookie name/);
  });
});
