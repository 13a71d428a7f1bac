// RTP fixed header (RFC 3550 section 5.1), pure functions.
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
// |            contributing source (CSRC) identifiers             |
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export const RTP_HEADER_BYTES = 12;

export interface RtpHeaderFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
}

/** Writes a header with V=2, no padding, no extension, no CSRC. */
export function writeRtpHeader(target: Buffer, fields: RtpHeaderFields): void {
  target[0] = 0x80;
  target[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  target.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  target.writeUInt32BE(fields.timestamp >>> 0, 4);
  target.writeUInt32BE(fields.ssrc >>> 0, 8);
}

export interface ParsedRtp extends RtpHeaderFields {
  payloadOffset: number;
  payloadLength: number;
}

/** Null for anything that is not an RTP version 2 packet with a consistent length. */
export function parseRtp(packet: Buffer): ParsedRtp | null {
  if (packet.length < RTP_HEADER_BYTES || packet[0]! >> 6 !== 2) return null;
  const csrcCount = packet[0]! & 0x0f;
  let payloadOffset = RTP_HEADER_BYTES + csrcCount * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < payloadOffset + 4) return null;
    payloadOffset += 4 + packet.readUInt16BE(payloadOffset + 2) * 4;
  }
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  const payloadLength = packet.length - payloadOffset - padding;
  if (payloadLength < 0) return null;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: (packet[1]! & 0x80) !== 0,
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset,
    payloadLength,
  };
}
