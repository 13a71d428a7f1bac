// RTP fixed header writer (RFC 3550 section 5.1), pure: writes 12 bytes into
// a buffer the caller preallocated, so sending a packet allocates nothing.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//
// Always V=2, P=0, X=0, CC=0: the gateway sends no padding, header extension
// or CSRC list, so the payload starts at byte 12. Each field is taken modulo
// its width (sequence 16 bits, timestamp and SSRC 32 bits, PT 7 bits), which
// is how counters that wrap are meant to be written.
import { RTP_FIXED_HEADER_BYTES, RTP_VERSION } from './rtp-packet.js';

export interface RtpHeaderFields {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
}

/** Writes the 12-byte fixed header into `buf[0..11]`; the payload goes from byte 12. */
export function writeRtpHeader(buf: Buffer, fields: RtpHeaderFields): void {
  if (buf.length < RTP_FIXED_HEADER_BYTES) {
    throw new RangeError(`an RTP header needs ${RTP_FIXED_HEADER_BYTES} bytes, the buffer has ${buf.length}`);
  }
  const sequenceNumber = fields.sequenceNumber & 0xffff;
  const timestamp = fields.timestamp >>> 0;
  const ssrc = fields.ssrc >>> 0;
  buf[0] = RTP_VERSION << 6;
  buf[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  buf[2] = sequenceNumber >>> 8;
  buf[3] = sequenceNumber & 0xff;
  buf[4] = timestamp >>> 24;
  buf[5] = (timestamp >>> 16) & 0xff;
  buf[6] = (timestamp >>> 8) & 0xff;
  buf[7] = timestamp & 0xff;
  buf[8] = ssrc >>> 24;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}
