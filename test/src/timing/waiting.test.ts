import { describe, expect, it } from 'vitest';
import { deferred, TimeoutError, withTimeout } from '../../../src/timing/waiting.js';

describe('deferred', () => {
  it('settles once from outside, and a rejection nobody awaits is not unhandled', async () => {
    const value = deferred<number>();
    value.resolve(1);
    value.resolve(2);
    value.reject(new Error('late'));
    expect(await value.promise).toBe(1);
    const ignored = deferred<void>();
    ignored.reject(new Error('nobody listens'));
    await expect(ignored.promise).rejects.toThrow('nobody listens');
  });
});

describe('withTimeout', () => {
  it('resolves or rejects like the promise when it settles in time', async () => {
    expect(await withTimeout(Promise.resolve('ok'), 1_000, 'too slow')).toBe('ok');
    await expect(withTimeout(Promise.reject(new Error('boom')), 1_000, 'too slow')).rejects.toThrow('boom');
  });

  it('rejects with TimeoutError and the message when it does not', async () => {
    const error = await withTimeout(new Promise(() => {}), 10, 'externalMedia channel did not enter Stasis within 10 ms').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ name: 'TimeoutError', message: 'externalMedia channel did not enter Stasis within 10 ms' });
  });
});
