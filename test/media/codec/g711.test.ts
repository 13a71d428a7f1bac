// G.711 against the ITU-T tables (G.711 Tables 1a/2a reconstruction values)
// and the ITU-T G.191 reference encoder, plus round trips over every code
// and every 16-bit input, and a real recorded PCMU stream.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALAW_SILENCE,
  ULAW_SILENCE,
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from '../../../media/codec/g711.js';
import { callerSpeechUlawPath } from '../../kit/reference-media.js';

const CALLER_ULAW = callerSpeechUlawPath();

/** Every int16 value, -32768 .. 32767. */
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

// The G.191 STL encoders (ulaw_compress / alaw_compress) written out on the raw
// sample, independently of the table the module builds: an oracle for every input.
function g191UlawCompress(sample: number): number {
  let absno = sample < 0 ? (~sample >> 2) + 33 : (sample >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let segno = 1;
  for (let i = absno >> 6; i !== 0; i >>= 1) segno++;
  const code = ((8 - segno) << 4) | (0x0f - ((absno >> segno) & 0x0f));
  return sample >= 0 ? code | 0x80 : code;
}

function g191AlawCompress(sample: number): number {
  let ix = sample < 0 ? ~sample >> 4 : sample >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 31) {
      ix >>= 1;
      iexp++;
    }
    ix = ix - 16 + (iexp << 4);
  }
  if (sample >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

describe('mu-law decoding (G.711 Table 2a)', () => {
  it('gives the standard values at the ends and around zero', () => {
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(ulawToLinear(0x7f)).toBe(0);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0xfe)).toBe(8);
    expect(ulawToLinear(0x7e)).toBe(-8);
    expect(ulawToLinear(ULAW_SILENCE)).toBe(0);
  });

  it('gives the reconstruction value of the first and last interval of every segment', () => {
    // Table 2a in 14-bit units (decoder output 0..8031), scaled by 4 to 16 bits.
    const segmentEdges: Array<[code: number, value14: number]> = [
      [0xff, 0], [0xf0, 30], [0xef, 33], [0xe0, 93], [0xdf, 99], [0xd0, 219], [0xcf, 231], [0xc0, 471],
      [0xbf, 495], [0xb0, 975], [0xaf, 1023], [0xa0, 1983], [0x9f, 2079], [0x90, 3999], [0x8f, 4191], [0x80, 8031],
    ];
    for (const [code, value14] of segmentEdges) {
      expect(ulawToLinear(code), `code 0x${code.toString(16)}`).toBe(value14 * 4);
      // Negative codes mirror the positive ones (0 + 0 avoids comparing -0 with +0).
      expect(ulawToLinear(code & 0x7f) + value14 * 4, `code 0x${(code & 0x7f).toString(16)}`).toBe(0);
    }
  });

  it('steps by 8 << segment inside each segment and is odd-symmetric', () => {
    for (let segment = 0; segment < 8; segment++) {
      for (let step = 0; step < 15; step++) {
        const code = 0xff - segment * 16 - step;
        expect(ulawToLinear(code - 1) - ulawToLinear(code)).toBe(8 << segment);
      }
    }
    for (let code = 0; code < 128; code++) expect(ulawToLinear(code) + ulawToLinear(code | 0x80)).toBe(0);
  });
});

describe('A-law decoding (G.711 Table 1a)', () => {
  it('gives the standard values at the ends and around zero', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
    expect(alawToLinear(ALAW_SILENCE)).toBe(8);
  });

  it('gives the reconstruction value of the first and last interval of every segment', () => {
    // Table 1a in 13-bit units (decoder output 1..4032), scaled by 8 to 16 bits;
    // the transmitted code is the segment/interval number with the even bits inverted.
    const segmentEdges: Array<[code: number, value13: number]> = [
      [0x80, 1], [0x8f, 31], [0x90, 33], [0x9f, 63], [0xa0, 66], [0xaf, 126], [0xb0, 132], [0xbf, 252],
      [0xc0, 264], [0xcf, 504], [0xd0, 528], [0xdf, 1008], [0xe0, 1056], [0xef, 2016], [0xf0, 2112], [0xff, 4032],
    ];
    for (const [interval, value13] of segmentEdges) {
      expect(alawToLinear(interval ^ 0x55), `interval 0x${interval.toString(16)}`).toBe(value13 * 8);
      expect(alawToLinear((interval & 0x7f) ^ 0x55)).toBe(-value13 * 8);
    }
  });
});

describe('mu-law encoding (G.191 reference rule)', () => {
  it('puts the decision values half-way between reconstruction values', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(3)).toBe(0xff);
    expect(linearToUlaw(4)).toBe(0xfe);
    expect(linearToUlaw(11)).toBe(0xfe);
    expect(linearToUlaw(12)).toBe(0xfd);
    // Segment 0 -> 1 boundary: 120 and 132 are reconstruction values, 124 decides.
    expect(linearToUlaw(123)).toBe(0xf0);
    expect(linearToUlaw(124)).toBe(0xef);
    // Top interval: 31100 and 32124, decision at 31612; larger values clip to the top code.
    expect(linearToUlaw(31611)).toBe(0x81);
    expect(linearToUlaw(31612)).toBe(0x80);
    expect(linearToUlaw(32767)).toBe(0x80);
  });

  it('quantizes negative samples through their 1s complement (-1..-4 are negative zero)', () => {
    expect(linearToUlaw(-1)).toBe(0x7f);
    expect(linearToUlaw(-4)).toBe(0x7f);
    expect(linearToUlaw(-5)).toBe(0x7e);
    expect(linearToUlaw(-32768)).toBe(0x00);
    for (let x = 0; x < 32768; x += 7) expect(linearToUlaw(-x - 1)).toBe(linearToUlaw(x) & 0x7f);
  });

  it('matches the G.191 reference encoder for all 65536 inputs', () => {
    const encoded = new Uint8Array(65536);
    encodeUlaw(ALL_SAMPLES, encoded);
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const expected = g191UlawCompress(ALL_SAMPLES[i]!);
      if (encoded[i] !== expected || linearToUlaw(ALL_SAMPLES[i]!) !== expected) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('saturates per-sample inputs outside the int16 range', () => {
    expect(linearToUlaw(40000)).toBe(0x80);
    expect(linearToUlaw(-40000)).toBe(0x00);
  });
});

describe('A-law encoding (G.191 reference rule)', () => {
  it('puts the decision values at the interval edges', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(15)).toBe(0xd5);
    expect(linearToAlaw(16)).toBe(0xd4);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(-16)).toBe(0x55);
    expect(linearToAlaw(-17)).toBe(0x54);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  it('matches the G.191 reference encoder for all 65536 inputs', () => {
    const encoded = new Uint8Array(65536);
    encodeAlaw(ALL_SAMPLES, encoded);
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const expected = g191AlawCompress(ALL_SAMPLES[i]!);
      if (encoded[i] !== expected || linearToAlaw(ALL_SAMPLES[i]!) !== expected) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('round trips', () => {
  const allCodes = Uint8Array.from({ length: 256 }, (_, i) => i);

  it('mu-law: decode then encode returns every code, except negative zero 0x7F which becomes 0xFF', () => {
    const pcm = new Int16Array(256);
    const codes = new Uint8Array(256);
    decodeUlaw(allCodes, pcm);
    encodeUlaw(pcm, codes);
    for (let code = 0; code < 256; code++) expect(codes[code]).toBe(code === 0x7f ? 0xff : code);
  });

  it('A-law: decode then encode returns every code', () => {
    const pcm = new Int16Array(256);
    const codes = new Uint8Array(256);
    decodeAlaw(allCodes, pcm);
    encodeAlaw(pcm, codes);
    expect(Array.from(codes)).toEqual(Array.from(allCodes));
  });

  for (const [law, encode, decode] of [
    ['mu-law', encodeUlaw, decodeUlaw],
    ['A-law', encodeAlaw, decodeAlaw],
  ] as const) {
    it(`${law}: quantizing twice equals quantizing once for all 65536 inputs, and is monotonic`, () => {
      const once = new Uint8Array(65536);
      const decoded = new Int16Array(65536);
      const twice = new Uint8Array(65536);
      const decodedTwice = new Int16Array(65536);
      encode(ALL_SAMPLES, once);
      decode(once, decoded);
      encode(decoded, twice);
      decode(twice, decodedTwice);
      expect(Buffer.from(decodedTwice.buffer).equals(Buffer.from(decoded.buffer))).toBe(true);
      // Codes agree too, but for mu-law negative zero: a 0 decoded from 0x7F encodes as 0xFF.
      let codeChanges = 0;
      for (let i = 0; i < 65536; i++) if (twice[i] !== once[i] && !(once[i] === 0x7f && twice[i] === 0xff)) codeChanges++;
      expect(codeChanges).toBe(0);
      let decreases = 0;
      for (let i = 1; i < 65536; i++) if (decoded[i]! < decoded[i - 1]!) decreases++;
      expect(decreases).toBe(0);
    });
  }
});

describe('buffer functions', () => {
  it('write exactly src.length values into a larger output and leave the rest', () => {
    const pcm = new Int16Array(4).fill(123);
    decodeUlaw(new Uint8Array([0x80, 0x00]), pcm);
    expect(Array.from(pcm)).toEqual([32124, -32124, 123, 123]);
    const codes = new Uint8Array(3).fill(9);
    encodeAlaw(new Int16Array([32767, -32768]), codes);
    expect(Array.from(codes)).toEqual([0xaa, 0x2a, 9]);
  });

  it('reject an output shorter than the input', () => {
    expect(() => decodeUlaw(new Uint8Array(160), new Int16Array(159))).toThrow(RangeError);
    expect(() => encodeUlaw(new Int16Array(160), new Uint8Array(159))).toThrow(RangeError);
    expect(() => decodeAlaw(new Uint8Array(2), new Int16Array(1))).toThrow(RangeError);
    expect(() => encodeAlaw(new Int16Array(2), new Uint8Array(1))).toThrow(RangeError);
  });

  it('read a Node Buffer view, as RTP payloads arrive', () => {
    const datagram = Buffer.from([0xde, 0xad, 0xff, 0x80, 0x7e]);
    const pcm = new Int16Array(3);
    decodeUlaw(datagram.subarray(2), pcm);
    expect(Array.from(pcm)).toEqual([0, 32124, -8]);
  });
});

describe('recorded PCMU from Asterisk 22', () => {
  it('decodes 6 s of speech that re-encodes to the same bytes in 20 ms frames', () => {
    const recorded = readFileSync(CALLER_ULAW);
    expect(recorded.length).toBe(48000);
    const frame = new Int16Array(160);
    const reencoded = new Uint8Array(160);
    let sumOfSquares = 0;
    let changed = 0;
    for (let offset = 0; offset < recorded.length; offset += 160) {
      const payload = recorded.subarray(offset, offset + 160);
      decodeUlaw(payload, frame);
      encodeUlaw(frame, reencoded);
      for (let i = 0; i < 160; i++) {
        sumOfSquares += frame[i]! * frame[i]!;
        if (reencoded[i] !== payload[i] && !(payload[i] === 0x7f && reencoded[i] === 0xff)) changed++;
      }
    }
    expect(changed).toBe(0);
    const rmsDbfs = 10 * Math.log10(sumOfSquares / 48000 / 32768 ** 2);
    // Speech at a normal level, neither silence nor clipping noise.
    expect(rmsDbfs).toBeGreaterThan(-40);
    expect(rmsDbfs).toBeLessThan(-6);
  });
});
