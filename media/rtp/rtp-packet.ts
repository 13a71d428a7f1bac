// RTP fixed header parser (RFC 3550 section 5.1), pure: no I/O, no clock.
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
//
// With X set, one header extension follows the CSRC list (section 5.3.1): a
// 16-bit profile-defined field, a 16-bit length counting 32-bit words, then
// that many words. With P set, the last payload octet counts the padding
// octets at the end of the packet, itself included (so it is at least 1).
//
// The payload is returned as a view into the datagram (`subarray`), never a copy.

export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER_BYTES = 12;

export interface RtpPacketView {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** Payload without header, CSRCs, extension or padding; shares memory with the datagram. */
  readonly payload: Buffer;
}

export type RtpParseError =
  | 'too_short'
  | 'bad_version'
  | 'truncated_csrc'
  | 'truncated_extension'
  | 'bad_padding';

/** Returns the parsed packet, or the reason it is not a valid RTP packet. */
export function parseRtpPacket(datagram: Buffer): RtpPacketView | RtpParseError {
  if (datagram.length < RTP_FIXED_HEADER_BYTES) return 'too_short';
  const first = datagram[0]!;
  if (first >> 6 !== RTP_VERSION) return 'bad_version';
  const hasPadding = (first & 0x20) !== 0;
  const hasExtension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;

  let payloadStart = RTP_FIXED_HEADER_BYTES + csrcCount * 4;
  if (payloadStart > datagram.length) return 'truncated_csrc';
  if (hasExtension) {
    if (payloadStart + 4 > datagram.length) return 'truncated_extension';
    const extensionWords = datagram.readUInt16BE(payloadStart + 2);
    payloadStart += 4 + extensionWords * 4;
    if (payloadStart > datagram.length) return 'truncated_extension';
  }

  let payloadEnd = datagram.length;
  if (hasPadding) {
    if (payloadEnd === payloadStart) return 'bad_padding';
    const paddingBytes = datagram[payloadEnd - 1]!;
    if (paddingBytes === 0 || paddingBytes > payloadEnd - payloadStart) return 'bad_padding';
    payloadEnd -= paddingBytes;
  }

  const second = datagram[1]!;
  return {
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequenceNumber: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    ssrc: datagram.readUInt32BE(8),
    payload: datagram.subarray(payloadStart, payloadEnd),
  };
}

export const isRtpParseError = (result: RtpPacketView | RtpParseError): result is RtpParseError =>
  typeof result === 'string';
