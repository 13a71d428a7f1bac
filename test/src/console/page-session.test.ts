// Where signing in may send the user: regressions of the open redirect through
// dot segments (the normalized path, not only the text, must be local).
import { describe, expect, it } from 'vitest';
import { localPath } from '../../../src/console/page-session.js';

describe('localPath', () => {
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
