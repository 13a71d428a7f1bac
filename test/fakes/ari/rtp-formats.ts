// How an externalMedia channel packs the caller's audio for each `format`, as Asterisk 22
// sends it over RTP/UDP: payload type, bytes per 20 ms frame, timestamp step.
// The caller's audio is G.711 mu-law (the trunk offers PCMU only); other formats are
// transcoded from it once per payload buffer and cached.

import { linearToAlaw, ULAW_TO_LINEAR } from '../shared/g711.js';

export interface RtpFormat {
  name: string;
  payloadType: number;
  frameBytes: number;
  timestampStep: number;
  fromUlaw(ulaw: Buffer): Buffer;
}

/** Big-endian L16 at 8 kHz (RFC 3551 byte order, as Asterisk sends slin on RTP). */
function ulawToSlinBigEndian(ulaw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ulaw.length * 2);
  for (let index = 0; index < ulaw.length; index += 1) out.writeInt16BE(ULAW_TO_LINEAR[ulaw[index]!]!, index * 2);
  return out;
}

/** Big-endian L16 at 16 kHz; samples between the 8 kHz ones are linear interpolations. */
function ulawToSlin16BigEndian(ulaw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ulaw.length * 4);
  for (let index = 0; index < ulaw.length; index += 1) {
    const current = ULAW_TO_LINEAR[ulaw[index]!]!;
    const next = index + 1 < ulaw.length ? ULAW_TO_LINEAR[ulaw[index + 1]!]! : current;
    out.writeInt16BE(current, index * 4);
    out.writeInt16BE((current + next) >> 1, index * 4 + 2);
  }
  return out;
}

function ulawToAlaw(ulaw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ulaw.length);
  for (let index = 0; index < ulaw.length; index += 1) out[index] = linearToAlaw(ULAW_TO_LINEAR[ulaw[index]!]!);
  return out;
}

export const RTP_FORMATS: ReadonlyMap<string, RtpFormat> = new Map([
  ['ulaw', { name: 'ulaw', payloadType: 0, frameBytes: 160, timestampStep: 160, fromUlaw: (ulaw: Buffer) => ulaw }],
  ['alaw', { name: 'alaw', payloadType: 8, frameBytes: 160, timestampStep: 160, fromUlaw: ulawToAlaw }],
  ['slin', { name: 'slin', payloadType: 10, frameBytes: 320, timestampStep: 160, fromUlaw: ulawToSlinBigEndian }],
  ['slin16', { name: 'slin16', payloadType: 118, frameBytes: 640, timestampStep: 320, fromUlaw: ulawToSlin16BigEndian }],
]);

/**
 * Format names Asterisk 22 knows (`core show codecs`); externalMedia with another name fails
 * with 500. The fake sends RTP only for the formats in RTP_FORMATS.
 */
export const ASTERISK_FORMAT_NAMES: ReadonlySet<string> = new Set([
  'g723', 'gsm', 'ulaw', 'alaw', 'g726', 'adpcm', 'slin', 'slin12', 'slin16', 'slin24', 'slin32',
  'slin44', 'slin48', 'slin96', 'slin192', 'lpc10', 'g729', 'speex', 'speex16', 'speex32', 'ilbc',
  'g726aal2', 'g722', 'siren7', 'siren14', 'g719', 'opus', 'codec2', 'testlaw',
]);

const transcodeCache = new WeakMap<Buffer, Map<string, Buffer>>();

/** The whole payload in `format`, computed once per (buffer, format). */
export function payloadInFormat(ulaw: Buffer, format: RtpFormat): Buffer {
  let perFormat = transcodeCache.get(ulaw);
  if (!perFormat) {
    perFormat = new Map();
    transcodeCache.set(ulaw, perFormat);
  }
  let converted = perFormat.get(format.name);
  if (!converted) {
    converted = format.fromUlaw(ulaw);
    perFormat.set(format.name, converted);
  }
  return converted;
}
