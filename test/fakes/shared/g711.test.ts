import { describe, expect, it } from 'vitest';
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from './g711.js';

describe('provider fakes: G.711', () => {
  it('round-trips every mu-law and A-law code through linear', () => {
    for (let byte = 0; byte < 256; byte += 1) {
      if (byte !== 0x7f) expect(linearToUlaw(ulawToLinear(byte)), `mu-law ${byte}`).toBe(byte); // 0x7f and 0xff both decode to 0
      expect(linearToAlaw(alawToLinear(byte)), `A-law ${byte}`).toBe(byte);
    }
    expect(ulawToLinear(0xff)).toBe(0);
  });
});
