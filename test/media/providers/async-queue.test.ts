import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../media/providers/async-queue.js';

async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items, error: null };
  } catch (error: unknown) {
    return { items, error };
  }
}

describe('AsyncQueue', () => {
  const overflow = new Error('overflow');

  it('delivers in order, drains before ending, and drains before throwing a failure', async () => {
    const ended = new AsyncQueue<number>({ capacity: 10, overflowError: () => overflow });
    ended.push(1);
    ended.push(2);
    ended.end();
    expect(ended.push(3)).toBe(false);
    expect(await drain(ended)).toEqual({ items: [1, 2], error: null });

    const failed = new AsyncQueue<number>({ capacity: 10, overflowError: () => overflow });
    const reading = drain(failed);
    failed.push(1);
    const boom = new Error('boom');
    failed.push(2);
    failed.fail(boom);
    expect(await reading).toEqual({ items: [1, 2], error: boom });
  });

  it('fails with the overflow error past its capacity, and removes items on request', async () => {
    const queue = new AsyncQueue<number>({ capacity: 3, overflowError: () => overflow });
    for (const item of [1, 2, 3]) expect(queue.push(item)).toBe(true);
    expect(queue.removeWhere((item) => item === 2)).toBe(1);
    expect(queue.push(4)).toBe(true);
    expect(queue.push(5)).toBe(false);
    expect(await drain(queue)).toEqual({ items: [], error: overflow });
  });

  it('has one consumer, and leaving the loop discards the rest', async () => {
    const queue = new AsyncQueue<number>({ capacity: 10, overflowError: () => overflow });
    queue.push(1);
    queue.push(2);
    for await (const item of queue) {
      expect(item).toBe(1);
      break;
    }
    expect(queue.open).toBe(false);
    expect(queue.size).toBe(0);
    expect(() => queue[Symbol.asyncIterator]()).toThrow(/one consumer/);
  });
});
