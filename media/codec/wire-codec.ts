// The session's wire format <-> the engine's 20 ms PCM16 8 kHz frames:
// G.711 mu-law or RFC 3551 L16 big-endian. Payload types and sizes are the
// RTP payload formats' (media/rtp/payload-formats.ts).
import type { MediaFormat } from '../contract/sessions.js';
import { PAYLOAD_FORMATS } from '../rtp/payload-formats.js';
import { ULAW_SILENCE, decodeUlaw, encodeUlaw } from './g711.js';
import { decodeL16, encodeL16 } from './l16.js';

export interface WireCodec {
  /** One 20 ms frame of silence as sent on the wire. */
  readonly silencePayload: Uint8Array;
  decode(payload: Uint8Array, out: Int16Array): void;
  encode(pcm: Int16Array, out: Uint8Array): void;
}

const ULAW: WireCodec = Object.freeze({
  silencePayload: new Uint8Array(PAYLOAD_FORMATS.ulaw.frameBytes).fill(ULAW_SILENCE),
  decode: decodeUlaw,
  encode: encodeUlaw,
});

const SLIN: WireCodec = Object.freeze({
  silencePayload: new Uint8Array(PAYLOAD_FORMATS.slin.frameBytes),
  decode: decodeL16,
  encode: encodeL16,
});

export const WIRE_CODECS: Readonly<Record<MediaFormat, WireCodec>> = Object.freeze({ ulaw: ULAW, slin: SLIN });
