// L16 (RFC 3551 section 4.5.11): network byte order on the wire, checked on
// hand-made bytes and on slin16 payloads recorded from Asterisk 22.
import { describe, expect, it } from 'vitest';
import { decodeL16, encodeL16 } from '../../../media/codec/l16.js';
import { callerSpeechSlin16OneSecond } from '../../kit/reference-media.js';


/** Mean absolute first difference over mean absolute value: low for speech, about 1 or more for noise. */
function roughness(samples: Int16Array): number {
  let absolute = 0;
  let difference = 0;
  for (let i = 0; i < samples.length; i++) {
    absolute += Math.abs(samples[i]!);
    if (i > 0) difference += Math.abs(samples[i]! - samples[i - 1]!);
  }
  return difference / (samples.length - 1) / (absolute / samples.length);
}

describe('L16 byte order', () => {
  it('writes the most significant byte first', () => {
    const bytes = new Uint8Array(8);
    encodeL16(new Int16Array([0x1234, -2, -32768, 32767]), bytes);
    expect(Array.from(bytes)).toEqual([0x12, 0x34, 0xff, 0xfe, 0x80, 0x00, 0x7f, 0xff]);
  });

  it('reads the most significant byte first, as signed', () => {
    const samples = new Int16Array(4);
    decodeL16(new Uint8Array([0x12, 0x34, 0xff, 0xfe, 0x80, 0x00, 0x7f, 0xff]), samples);
    expect(Array.from(samples)).toEqual([0x1234, -2, -32768, 32767]);
  });

  it('agrees with Buffer.readInt16BE and round-trips every 16-bit value', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const wire = Buffer.alloc(65536 * 2);
    encodeL16(all, wire);
    const back = new Int16Array(65536);
    decodeL16(wire, back);
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      if (wire.readInt16BE(i * 2) !== all[i] || back[i] !== all[i]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('L16 buffer checks', () => {
  it('rejects an odd number of bytes and a short output', () => {
    expect(() => decodeL16(new Uint8Array(3), new Int16Array(2))).toThrow(RangeError);
    expect(() => decodeL16(new Uint8Array(4), new Int16Array(1))).toThrow(RangeError);
    expect(() => encodeL16(new Int16Array(2), new Uint8Array(3))).toThrow(RangeError);
  });

  it('writes only the input length into a larger output', () => {
    const samples = new Int16Array(3).fill(7);
    decodeL16(new Uint8Array([0x00, 0x01]), samples);
    expect(Array.from(samples)).toEqual([1, 7, 7]);
    const bytes = new Uint8Array(4).fill(9);
    encodeL16(new Int16Array([0x0102]), bytes);
    expect(Array.from(bytes)).toEqual([1, 2, 9, 9]);
  });

  it('reads an RTP payload view inside a datagram at an odd offset', () => {
    const datagram = Buffer.from([0xaa, 0x12, 0x34, 0xfe, 0xdc]);
    const samples = new Int16Array(2);
    decodeL16(datagram.subarray(1), samples);
    expect(Array.from(samples)).toEqual([0x1234, -292]);
  });
});

describe('recorded slin16 payloads from Asterisk 22', () => {
  const recorded = callerSpeechSlin16OneSecond();

  it('are speech when read big-endian and noise when read little-endian', () => {
    expect(recorded.length).toBe(32000);
    const bigEndian = new Int16Array(16000);
    decodeL16(recorded, bigEndian);
    const littleEndian = new Int16Array(16000);
    for (let i = 0; i < 16000; i++) littleEndian[i] = recorded.readInt16LE(i * 2);
    expect(roughness(bigEndian)).toBeLessThan(0.5);
    expect(roughness(littleEndian)).toBeGreaterThan(1);
  });

  it('decode and re-encode to the same bytes, one 640-byte RTP payload at a time', () => {
    const frame = new Int16Array(320);
    const reencoded = new Uint8Array(640);
    let changedPayloads = 0;
    for (let offset = 0; offset < recorded.length; offset += 640) {
      const payload = recorded.subarray(offset, offset + 640);
      decodeL16(payload, frame);
      encodeL16(frame, reencoded);
      if (!Buffer.from(reencoded).equals(payload)) changedPayloads++;
    }
    expect(changedPayloads).toBe(0);
  });
});
