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
