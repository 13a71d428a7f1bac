// The level of a frame of telephone audio as a fake heard it: RMS of its linear samples,
// whether the frame is G.711 mu-law or 16-bit linear PCM in either byte order.
import { ULAW_TO_LINEAR } from './g711.js';

export type FrameEncoding = 'ulaw' | 'l16-be' | 'l16-le';

export function frameRms(frame: Buffer, encoding: FrameEncoding): number {
  let sum = 0;
  let count = 0;
  if (encoding === 'ulaw') {
    for (const byte of frame) {
      const sample = ULAW_TO_LINEAR[byte]!;
      sum += sample * sample;
      count += 1;
    }
  } else {
    for (let index = 0; index + 1 < frame.length; index += 2) {
      const sample = encoding === 'l16-be' ? frame.readInt16BE(index) : frame.readInt16LE(index);
      sum += sample * sample;
      count += 1;
    }
  }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}
