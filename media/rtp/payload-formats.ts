// What each session format looks like on the wire between Asterisk and the
// gateway (observed with Asterisk 22 externalMedia, RTP transport):
// - ulaw: PT 0 (RFC 3551 static PCMU), one byte per sample, 8 kHz.
// - slin: 8 kHz signed 16-bit big-endian (RFC 3551 L16). Asterisk sends PT 10
//   and accepts PT 10 or 11 back, so both are valid inbound; we send PT 10.
// - slin16 is never carried on RTP (Asterisk drops 16 kHz RTP sent back to it).
// The one definition of RTP payload types and sizes: the codecs and the session read them here.
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import type { MediaFormat } from '../contract/sessions.js';

export interface PayloadFormat {
  /** Payload types accepted inbound. */
  readonly payloadTypes: readonly number[];
  /** Payload type used when sending to Asterisk. */
  readonly outboundPayloadType: number;
  readonly bytesPerSample: number;
  readonly sampleRateHz: number;
  /** Payload bytes of one 20 ms frame. */
  readonly frameBytes: number;
}

function payloadFormat(payloadTypes: readonly number[], bytesPerSample: number): PayloadFormat {
  return Object.freeze({
    payloadTypes: Object.freeze([...payloadTypes]),
    outboundPayloadType: payloadTypes[0]!,
    bytesPerSample,
    sampleRateHz: 8000,
    frameBytes: SAMPLES_PER_FRAME_8K * bytesPerSample,
  });
}

export const PAYLOAD_FORMATS: Readonly<Record<Exclude<MediaFormat, 'slin16'>, PayloadFormat>> = Object.freeze({
  ulaw: payloadFormat([0], 1),
  slin: payloadFormat([10, 11], 2),
});
