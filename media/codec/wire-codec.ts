// A session's wire format <-> the engine's 20 ms PCM16 frames at the format's
// own rate (8 kHz for ulaw and slin, 16 kHz for slin16).
//
// RTP (externalMedia UnicastRTP): ulaw is G.711 mu-law, PT 0, 160 bytes per
// frame; slin is RFC 3551 L16 big-endian, PT 10, 320 bytes per frame.
// WebSocket (chan_websocket): the channel's native format in host order,
// little-endian for slin (320 bytes) and slin16 (640 bytes, the
// MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE Asterisk reports); ulaw as on RTP. A
// websocket frame has no payload type: the one given is only used inside the
// gateway (its playout queue writes RTP-shaped packets and the websocket
// transport sends their payload).
import type { MediaFormat, MediaTransport } from '../contract/sessions.js';
import { samplesPerFrame, type SampleRate } from '../audio/frame.js';
import { ULAW_SILENCE, decodeUlaw, encodeUlaw } from './g711.js';
import { decodeL16, encodeL16 } from './l16.js';
import { decodeL16le, encodeL16le } from './l16-le.js';

export interface WireCodec {
  readonly sampleRate: SampleRate;
  readonly samplesPerFrame: number;
  readonly payloadBytes: number;
  readonly payloadType: number;
  /** One 20 ms frame of silence as sent on the wire. */
  readonly silencePayload: Uint8Array;
  decode(payload: Uint8Array, out: Int16Array): void;
  encode(pcm: Int16Array, out: Uint8Array): void;
}

function codec(sampleRate: SampleRate, bytesPerSample: 1 | 2, payloadType: number, coding: Pick<WireCodec, 'decode' | 'encode'>): WireCodec {
  const samples = samplesPerFrame(sampleRate);
  const payloadBytes = samples * bytesPerSample;
  return Object.freeze({
    sampleRate,
    samplesPerFrame: samples,
    payloadBytes,
    payloadType,
    silencePayload: bytesPerSample === 1 ? new Uint8Array(payloadBytes).fill(ULAW_SILENCE) : new Uint8Array(payloadBytes),
    ...coding,
  });
}

const ULAW = codec(8000, 1, 0, { decode: decodeUlaw, encode: encodeUlaw });
const SLIN_RTP = codec(8000, 2, 10, { decode: decodeL16, encode: encodeL16 });
const SLIN_HOST_ORDER = codec(8000, 2, 10, { decode: decodeL16le, encode: encodeL16le });
const SLIN16_HOST_ORDER = codec(16000, 2, 118, { decode: decodeL16le, encode: encodeL16le });

/** The RTP codecs (slin16 is never sent on RTP: Asterisk drops it). */
export const WIRE_CODECS: Readonly<Record<Exclude<MediaFormat, 'slin16'>, WireCodec>> = Object.freeze({ ulaw: ULAW, slin: SLIN_RTP });

const WEBSOCKET_CODECS: Readonly<Record<MediaFormat, WireCodec>> = Object.freeze({
  ulaw: ULAW,
  slin: SLIN_HOST_ORDER,
  slin16: SLIN16_HOST_ORDER,
});

/** The codec of `format` on `transport`; throws for slin16 on RTP (the contract refuses it first). */
export function wireCodec(format: MediaFormat, transport: MediaTransport): WireCodec {
  if (transport === 'websocket') return WEBSOCKET_CODECS[format];
  if (format === 'slin16') throw new RangeError('slin16 is not sent on RTP: Asterisk drops 16 kHz RTP sent back to it');
  return WIRE_CODECS[format];
}
