import { describe, expect, it } from 'vitest';
import { classifyInboundRtp } from '../../../media/rtp/inbound-rtp.js';
import { PAYLOAD_FORMATS } from '../../../media/rtp/payload-formats.js';
import { parseRtpPacket, type RtpPacketView } from '../../../media/rtp/rtp-packet.js';

// First 16 bytes of packets recorded from a real Asterisk 22.10.1 externalMedia
// channel (12-byte header + 4 payload bytes), completed to full-size payloads.
const ULAW_FROM_ASTERISK = Buffer.concat([Buffer.from('8000920a000003601cd615e2ffffffff', 'hex'), Buffer.alloc(156, 0xff)]);
const SLIN_FROM_ASTERISK = Buffer.concat([Buffer.from('800a4814000003401a66dbcf00000000', 'hex'), Buffer.alloc(316)]);

function expectPacket(result: ReturnType<typeof parseRtpPacket>): RtpPacketView {
  if (typeof result === 'string') throw new Error(`expected a packet, got ${result}`);
  return result;
}

function header(fields: { first?: number; second?: number } = {}): Buffer {
  const bytes = Buffer.alloc(12);
  bytes[0] = fields.first ?? 0x80;
  bytes[1] = fields.second ?? 0x00;
  bytes.writeUInt16BE(1, 2);
  bytes.writeUInt32BE(160, 4);
  bytes.writeUInt32BE(0xdeadbeef, 8);
  return bytes;
}

describe('parseRtpPacket', () => {
  it('reads the header of a recorded Asterisk ulaw packet', () => {
    const packet = expectPacket(parseRtpPacket(ULAW_FROM_ASTERISK));
    expect(packet).toMatchObject({ marker: false, payloadType: 0, sequenceNumber: 37386, timestamp: 864, ssrc: 483792354 });
    expect(packet.payload.length).toBe(160);
  });

  it('reads the header of a recorded Asterisk slin packet', () => {
    const packet = expectPacket(parseRtpPacket(SLIN_FROM_ASTERISK));
    expect(packet).toMatchObject({ payloadType: 10, sequenceNumber: 18452, timestamp: 832, ssrc: 442948559 });
    expect(packet.payload.length).toBe(320);
  });

  it('returns the payload as a view into the datagram, not a copy', () => {
    const packet = expectPacket(parseRtpPacket(ULAW_FROM_ASTERISK));
    expect(packet.payload.buffer).toBe(ULAW_FROM_ASTERISK.buffer);
    expect(packet.payload.byteOffset).toBe(ULAW_FROM_ASTERISK.byteOffset + 12);
  });

  it('reads the marker bit and the full 32-bit SSRC', () => {
    const bytes = header({ second: 0x80 | 0x0b });
    bytes.writeUInt32BE(0xffffffff, 8);
    const packet = expectPacket(parseRtpPacket(bytes));
    expect(packet).toMatchObject({ marker: true, payloadType: 11, ssrc: 0xffffffff });
    expect(packet.payload.length).toBe(0);
  });

  it('skips CSRCs and a header extension', () => {
    const csrcs = Buffer.alloc(8, 0x11);
    const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, 1, 2, 3, 4]);
    const payload = Buffer.from([9, 8, 7, 6]);
    const packet = expectPacket(parseRtpPacket(Buffer.concat([header({ first: 0x80 | 0x10 | 2 }), csrcs, extension, payload])));
    expect([...packet.payload]).toEqual([9, 8, 7, 6]);
  });

  it('strips padding', () => {
    const packet = expectPacket(
      parseRtpPacket(Buffer.concat([header({ first: 0x80 | 0x20 }), Buffer.from([1, 2, 3, 4, 0, 0, 3])])),
    );
    expect([...packet.payload]).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['too_short', Buffer.alloc(11, 0x80)],
    ['too_short', Buffer.alloc(0)],
    ['bad_version', header({ first: 0x40 })],
    ['bad_version', header({ first: 0xc0 })],
    ['truncated_csrc', Buffer.concat([header({ first: 0x80 | 3 }), Buffer.alloc(8)])],
    ['truncated_extension', Buffer.concat([header({ first: 0x90 }), Buffer.from([0xbe, 0xde])])],
    ['truncated_extension', Buffer.concat([header({ first: 0x90 }), Buffer.from([0xbe, 0xde, 0x00, 0x02, 1, 2, 3, 4])])],
    ['bad_padding', header({ first: 0xa0 })],
    ['bad_padding', Buffer.concat([header({ first: 0xa0 }), Buffer.from([1, 2, 0])])],
    ['bad_padding', Buffer.concat([header({ first: 0xa0 }), Buffer.from([1, 2, 4])])],
  ] as const)('rejects %s', (reason, datagram) => {
    expect(parseRtpPacket(datagram)).toBe(reason);
  });
});

describe('classifyInboundRtp', () => {
  it('accepts PT 0 for ulaw and PT 10 or 11 for slin', () => {
    expect(typeof classifyInboundRtp(ULAW_FROM_ASTERISK, PAYLOAD_FORMATS.ulaw)).toBe('object');
    expect(typeof classifyInboundRtp(SLIN_FROM_ASTERISK, PAYLOAD_FORMATS.slin)).toBe('object');
    const pt11 = Buffer.from(SLIN_FROM_ASTERISK);
    pt11[1] = 11;
    expect(typeof classifyInboundRtp(pt11, PAYLOAD_FORMATS.slin)).toBe('object');
  });

  it("rejects a payload type that is not the session's format", () => {
    expect(classifyInboundRtp(SLIN_FROM_ASTERISK, PAYLOAD_FORMATS.ulaw)).toBe('unexpected_payload_type');
    expect(classifyInboundRtp(ULAW_FROM_ASTERISK, PAYLOAD_FORMATS.slin)).toBe('unexpected_payload_type');
    const pcma = Buffer.from(ULAW_FROM_ASTERISK);
    pcma[1] = 8;
    expect(classifyInboundRtp(pcma, PAYLOAD_FORMATS.ulaw)).toBe('unexpected_payload_type');
  });

  it('rejects slin payloads that end in half a sample', () => {
    expect(classifyInboundRtp(SLIN_FROM_ASTERISK.subarray(0, 331), PAYLOAD_FORMATS.slin)).toBe('partial_sample');
    expect(typeof classifyInboundRtp(ULAW_FROM_ASTERISK.subarray(0, 171), PAYLOAD_FORMATS.ulaw)).toBe('object');
  });

  it('passes header errors through', () => {
    expect(classifyInboundRtp(Buffer.alloc(4), PAYLOAD_FORMATS.ulaw)).toBe('too_short');
  });
});
