// Releases run newest first, all of them even when one fails, once.
import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup-stack.js';

describe('CleanupStack', () => {
  it('releases newest first, reports each failure and goes on', async () => {
    const stack = new CleanupStack();
    const released: string[] = [];
    stack.add('the database', () => void released.push('database'));
    stack.add('the gateway', () => {
      throw new Error('port busy');
    });
    stack.add('the backend', () => Promise.resolve(void released.push('backend')));
    expect(await stack.releaseAll()).toEqual(['stopping the gateway failed: port busy']);
    expect(released).toEqual(['backend', 'database']);
  });

  it('releases once however often it is asked, and refuses new acquisitions then', async () => {
    const stack = new CleanupStack();
    let releases = 0;
    stack.add('a server', () => void (releases += 1));
    await Promise.all([stack.releaseAll(), stack.releaseAll(), stack.release()]);
    expect(releases).toBe(1);
    expect(() => stack.add('another server', () => undefined)).toThrow('cannot acquire another server: already stopping');
  });

  it('release() throws one error listing what failed', async () => {
    const stack = new CleanupStack();
    stack.add('a', () => Promise.reject(new Error('one')));
    stack.add('b', () => Promise.reject(new Error('two')));
    await expect(stack.release()).rejects.toThrow('stopping b failed: two; stopping a failed: one');
  });
});
