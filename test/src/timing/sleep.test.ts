import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/timing/sleep.js';

describe('sleep', () => {
  it('resolves at once when its signal is already aborted or aborts meanwhile', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await expect(sleep(60_000, aborted.signal)).resolves.toBeUndefined();
    const later = new AbortController();
    const sleeping = sleep(60_000, later.signal);
    later.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });
});
