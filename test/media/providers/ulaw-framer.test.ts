import { describe, expect, it } from 'vitest';
import { ULAW_FRAME_BYTES, UlawFramer } from '../../../media/providers/ulaw-framer.js';

function bytesOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
}

describe('UlawFramer', () => {
  it('cuts chunks of any size into exact 160-byte frames and pads the last with mu-law silence', () => {
    const audio = bytesOf(1000);
    const framer = new UlawFramer();
    const frames = [...framer.push(audio.subarray(0, 7)), ...framer.push(audio.subarray(7, 500)), ...framer.push(audio.subarray(500))];
    expect(frames).toHaveLength(6);
    expect(frames.every((frame) => frame.length === ULAW_FRAME_BYTES)).toBe(true);
    const last = framer.finish()!;
    expect(Buffer.concat([...frames, last]).subarray(0, 1000).equals(Buffer.from(audio))).toBe(true);
    expect([...last.subarray(40)].every((byte) => byte === 0xff)).toBe(true);
    expect(framer.finish()).toBeNull();
    framer.push(audio.subarray(0, 10));
    framer.reset();
    expect(framer.push(audio.subarray(0, 160))[0]).toEqual(audio.subarray(0, 160));
  });
});
