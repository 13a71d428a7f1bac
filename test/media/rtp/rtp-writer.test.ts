import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket } from 'werift-rtp';
import { parseRtpPacket, type RtpPacketView } from '../../../media/rtp/rtp-packet.js';
import { writeRtpHeader, type RtpHeaderFields } from '../../../media/rtp/rtp-writer.js';
import { seqAdd, tsAdd } from '../../../media/rtp/sequence.js';

const CASES: { name: string; fields: RtpHeaderFields }[] = [
  { name: 'ulaw with marker', fields: { marker: true, payloadType: 0, sequenceNumber: 1977, timestamp: 2978488802, ssrc: 0x12345678 } },
  { name: 'slin without marker', fields: { marker: false, payloadType: 10, sequenceNumber: 18452, timestamp: 832, ssrc: 442948559 } },
  { name: 'all zero', fields: { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 } },
  { name: 'max values', fields: { marker: true, payloadType: 127, sequenceNumber: 0xffff, timestamp: 0xffff_ffff, ssrc: 0xffff_ffff } },
  { name: 'high bits set', fields: { marker: false, payloadType: 96, sequenceNumber: 0x8000, timestamp: 0x8000_0000, ssrc: 0x8000_0001 } },
  {
    name: 'values just past the wrap',
    fields: { marker: false, payloadType: 11, sequenceNumber: seqAdd(0xffff, 1), timestamp: tsAdd(0xffff_ffff, 160), ssrc: 0xdeadbeef },
  },
];

function withPayload(fields: RtpHeaderFields, payload: Buffer): Buffer {
  const packet = Buffer.alloc(12 + payload.length, 0xaa);
  writeRtpHeader(packet, fields);
  payload.copy(packet, 12);
  return packet;
}

function expectPacket(result: ReturnType<typeof parseRtpPacket>): RtpPacketView {
  if (typeof result === 'string') throw new Error(`expected a packet, got ${result}`);
  return result;
}

describe('writeRtpHeader', () => {
  it('writes the bytes of a packet recorded on the wire to Asterisk', () => {
    // First 16 bytes of the first packet the recording client sent to Asterisk 22.10.1 (marker set, PT 0).
    const packet = withPayload(CASES[0]!.fields, Buffer.from('ffa9a0a9', 'hex'));
    expect(packet.toString('hex')).toBe('808007b9b18821e212345678ffa9a0a9');
  });

  for (const { name, fields } of CASES) {
    it(`is read back by werift-rtp with the same fields (${name})`, () => {
      const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 7) & 0xff));
      const decoded = RtpPacket.deSerialize(withPayload(fields, payload));
      expect(decoded.header).toMatchObject({
        version: 2,
        padding: false,
        extension: false,
        csrcLength: 0,
        marker: fields.marker,
        payloadType: fields.payloadType,
        sequenceNumber: fields.sequenceNumber,
        timestamp: fields.timestamp,
        ssrc: fields.ssrc,
      });
      expect(decoded.payload.equals(payload)).toBe(true);
    });

    it(`reads werift-rtp's serialization with parseRtpPacket and matches its bytes (${name})`, () => {
      const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => 255 - i));
      const serialized = new RtpPacket(new RtpHeader({ ...fields }), payload).serialize();
      const parsed = expectPacket(parseRtpPacket(serialized));
      expect({
        marker: parsed.marker,
        payloadType: parsed.payloadType,
        sequenceNumber: parsed.sequenceNumber,
        timestamp: parsed.timestamp,
        ssrc: parsed.ssrc,
      }).toEqual(fields);
      expect(parsed.payload.equals(payload)).toBe(true);
      expect(withPayload(fields, payload).equals(serialized)).toBe(true);
    });
  }

  it('writes only bytes 0..11 of a larger buffer', () => {
    const buffer = Buffer.alloc(20, 0x5a);
    writeRtpHeader(buffer, CASES[3]!.fields);
    expect(buffer.subarray(12).every((byte) => byte === 0x5a)).toBe(true);
  });

  it('takes each field modulo its width', () => {
    const buffer = Buffer.alloc(12);
    writeRtpHeader(buffer, { marker: false, payloadType: 0, sequenceNumber: 0x1_0005, timestamp: 0x1_0000_0007, ssrc: -1 });
    const parsed = expectPacket(parseRtpPacket(buffer));
    expect(parsed).toMatchObject({ sequenceNumber: 5, timestamp: 7, ssrc: 0xffff_ffff });
  });

  it('refuses a buffer shorter than the header', () => {
    expect(() => writeRtpHeader(Buffer.alloc(11), CASES[0]!.fields)).toThrow(RangeError);
  });
});
