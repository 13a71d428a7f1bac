import { describe, expect, it } from 'vitest';
import { FrameCutter } from '../../../media/providers/frame-cutter.js';

const cutter = () => new FrameCutter<Uint8Array>(4, (length) => new Uint8Array(length));
const ramp = (length: number) => Uint8Array.from({ length }, (_, i) => i + 1);

describe('FrameCutter', () => {
  it('cuts chunks of any length into whole frames, the same as one chunk would', () => {
    const whole: Uint8Array[] = [];
    cutter().push(ramp(10), whole);
    const split: Uint8Array[] = [];
    const pieces = cutter();
    for (const [from, to] of [[0, 1], [1, 6], [6, 6], [6, 10]] as const) pieces.push(ramp(10).subarray(from, to), split);
    expect(whole.map((frame) => Array.from(frame))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(split.map((frame) => Array.from(frame))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(split[0]).not.toBe(split[1]);
    expect(Array.from(pieces.finish(0xff) ?? [])).toEqual([9, 10, 0xff, 0xff]);
  });

  it('finishes with nothing pending as null, and forgets the pending part on reset', () => {
    const frames = cutter();
    expect(frames.finish(0)).toBeNull();
    const out: Uint8Array[] = [];
    frames.push(ramp(3), out);
    frames.reset();
    frames.push(Uint8Array.from([7, 7, 7, 7]), out);
    expect(out.map((frame) => Array.from(frame))).toEqual([[7, 7, 7, 7]]);
    expect(frames.finish(0)).toBeNull();
  });
});
