// Where signing in may send the user: only paths of this site, judged after
// normalization (dot segments must not lead to another host).
import { describe, expect, it } from 'vitest';
import { localPath, loginLocation } from '../../../src/console/page-session.js';

describe('where sign-in may send the user', () => {
  it('accepts paths of this site only', () => {
    expect(localPath('/calls?status=failed')).toBe('/calls?status=failed');
    expect(localPath('/calls/../live')).toBe('/live');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', 'calls', '/x\ny', '', null]) {
      expect(localPath(bad)).toBeNull();
    }
    expect(loginLocation('/calls?q=a b')).toBe('/login?next=%2Fcalls%3Fq%3Da%2520b');
    expect(loginLocation('/')).toBe('/login');
  });
});

describe('localPath after normalization', () => {
  it.each(['/..//evil.test/phish', '/.%2e/%2e%2e//evil.test', '/a/..//evil.test', '/./\\evil.test', '/%2e%2e//evil.test'])(
    'refuses %s, which normalizes to another host',
    (next) => {
      expect(localPath(next)).toBeNull();
    },
  );

  it('keeps local paths and their queries', () => {
    expect(localPath('/calls/../live')).toBe('/live');
    expect(localPath('/calls?status=failed&q=a%20b')).toBe('/calls?status=failed&q=a%20b');
  });
});
