// What each session format looks like on the wire between Asterisk and the
// gateway (observed with Asterisk 22 externalMedia, RTP transport):
// - ulaw: PT 0 (RFC 3551 static PCMU), one byte per sample, 8 kHz.
// - slin: 8 kHz signed 16-bit big-endian (RFC 3551 L16). Asterisk sends PT 10
//   and accepts PT 10 or 11 back, so both are valid inbound.
// - slin16 is never carried on RTP (Asterisk drops 16 kHz RTP sent back to it).
import type { MediaFormat } from '../contract/sessions.js';

export interface PayloadFormat {
  /** Payload types accepted inbound. */
  readonly payloadTypes: readonly number[];
  /** Payload type used when sending to Asterisk. */
  readonly outboundPayloadType: number;
  readonly bytesPerSample: number;
  readonly sampleRateHz: number;
}

export const PAYLOAD_FORMATS: Readonly<Record<Exclude<MediaFormat, 'slin16'>, PayloadFormat>> = Object.freeze({
  ulaw: Object.freeze({ payloadTypes: [0], outboundPayloadType: 0, bytesPerSample: 1, sampleRateHz: 8000 }),
  slin: Object.freeze({ payloadTypes: [10, 11], outboundPayloadType: 10, bytesPerSample: 2, sampleRateHz: 8000 }),
});
