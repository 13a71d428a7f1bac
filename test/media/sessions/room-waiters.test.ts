import { describe, expect, it } from 'vitest';
import { RoomWaiters } from '../../../media/sessions/room-waiters.js';

describe('RoomWaiters', () => {
  it('answers every waiter with what notify() says, once', async () => {
    const waiters = new RoomWaiters();
    const first = waiters.wait(new AbortController().signal);
    const second = waiters.wait(new AbortController().signal);
    expect(waiters.size).toBe(2);
    waiters.notify(true);
    waiters.notify(false);
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    expect(waiters.size).toBe(0);
  });

  it('answers false at once to an aborted signal, and lets go of a waiter whose signal aborts', async () => {
    const waiters = new RoomWaiters();
    const aborted = new AbortController();
    aborted.abort();
    await expect(waiters.wait(aborted.signal)).resolves.toBe(false);
    const later = new AbortController();
    const waiting = waiters.wait(later.signal);
    later.abort();
    await expect(waiting).resolves.toBe(false);
    expect(waiters.size).toBe(0);
  });
});
