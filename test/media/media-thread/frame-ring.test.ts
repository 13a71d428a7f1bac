// The SharedArrayBuffer ring alone: order, full and empty, wraparound, and
// dropping what came before a clear; both ends in one thread (the Atomics
// protocol is the same across threads).
import { describe, expect, it } from 'vitest';
import { FrameRing } from '../../../media/media-thread/frame-ring.js';

function write(ring: FrameRing, value: number): boolean {
  const slot = ring.writeSlot();
  if (slot === null) return false;
  slot[0] = value;
  ring.commit();
  return true;
}

function read(ring: FrameRing): number | null {
  const slot = ring.readSlot();
  if (slot === null) return null;
  const value = slot[0]!;
  ring.release();
  return value;
}

describe('FrameRing', () => {
  it('hands records over in order and refuses a record when full', () => {
    const ring = FrameRing.create(3, 5);
    expect(ring.shared.recordBytes).toBe(8);
    expect(read(ring)).toBeNull();
    expect([write(ring, 1), write(ring, 2), write(ring, 3), write(ring, 4)]).toEqual([true, true, true, false]);
    expect(ring.size).toBe(3);
    expect(ring.free).toBe(0);
    expect([read(ring), read(ring)]).toEqual([1, 2]);
    expect(write(ring, 5)).toBe(true);
    expect([read(ring), read(ring), read(ring)]).toEqual([3, 5, null]);
  });

  it('is shared: a second view of the same buffer reads what the first wrote, across many wraps', () => {
    const producer = FrameRing.create(4, 8);
    const consumer = new FrameRing(producer.shared);
    const seen: number[] = [];
    for (let i = 0; i < 1_000; i += 1) {
      expect(write(producer, i % 256)).toBe(true);
      if (i % 3 === 2) for (let value = read(consumer); value !== null; value = read(consumer)) seen.push(value);
    }
    for (let value = read(consumer); value !== null; value = read(consumer)) seen.push(value);
    expect(seen).toEqual(Array.from({ length: 1_000 }, (_, i) => i % 256));
  });

  it('drops the records written before a count, not the ones after', () => {
    const ring = FrameRing.create(8, 8);
    write(ring, 1);
    write(ring, 2);
    expect(read(ring)).toBe(1);
    const clearAt = ring.written;
    write(ring, 3);
    expect(ring.dropBefore(clearAt)).toBe(1);
    expect(ring.dropBefore(clearAt)).toBe(0);
    expect([read(ring), read(ring)]).toEqual([3, null]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => FrameRing.create(0, 8)).toThrow(RangeError);
    expect(() => FrameRing.create(1.5, 8)).toThrow(RangeError);
  });
});
