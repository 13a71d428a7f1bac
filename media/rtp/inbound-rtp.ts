// Decides whether one datagram from a session's Asterisk address is audio for
// that session. Pure: the socket adapter and the session only count and route.
import type { PayloadFormat } from './payload-formats.js';
import { isRtpParseError, parseRtpPacket, type RtpPacketView, type RtpParseError } from './rtp-packet.js';

export type InboundRejection = RtpParseError | 'unexpected_payload_type' | 'partial_sample';

export function classifyInboundRtp(
  datagram: Buffer,
  format: PayloadFormat,
): RtpPacketView | InboundRejection {
  const packet = parseRtpPacket(datagram);
  if (isRtpParseError(packet)) return packet;
  if (!format.payloadTypes.includes(packet.payloadType)) return 'unexpected_payload_type';
  if (packet.payload.length % format.bytesPerSample !== 0) return 'partial_sample';
  return packet;
}

export const isInboundRejection = (
  result: RtpPacketView | InboundRejection,
): result is InboundRejection => typeof result === 'string';
