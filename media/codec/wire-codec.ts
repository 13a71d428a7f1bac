// The session's wire format <-> the engine's 20 ms PCM16 8 kHz frames.
// ulaw: G.711 mu-law, PT 0, 160 bytes per frame. slin: RFC 3551 L16
// big-endian, PT 10, 320 bytes per frame.
import type { MediaFormat } from '../contract/sessions.js';
import { ULAW_SILENCE, decodeUlaw, encodeUlaw } from './g711.js';
import { decodeL16, encodeL16 } from './l16.js';

export interface WireCodec {
  readonly payloadBytes: number;
  readonly payloadType: number;
  /** One 20 ms frame of silence as sent on the wire. */
  readonly silencePayload: Uint8Array;
  decode(payload: Uint8Array, out: Int16Array): void;
  encode(pcm: Int16Array, out: Uint8Array): void;
}

const SAMPLES_PER_FRAME = 160;

const ULAW: WireCodec = Object.freeze({
  payloadBytes: SAMPLES_PER_FRAME,
  payloadType: 0,
  silencePayload: new Uint8Array(SAMPLES_PER_FRAME).fill(ULAW_SILENCE),
  decode: decodeUlaw,
  encode: encodeUlaw,
});

const SLIN: WireCodec = Object.freeze({
  payloadBytes: SAMPLES_PER_FRAME * 2,
  payloadType: 10,
  silencePayload: new Uint8Array(SAMPLES_PER_FRAME * 2),
  decode: decodeL16,
  encode: encodeL16,
});

export const WIRE_CODECS: Readonly<Record<MediaFormat, WireCodec>> = Object.freeze({ ulaw: ULAW, slin: SLIN });
