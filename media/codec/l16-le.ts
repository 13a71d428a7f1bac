// L16 in host order as chan_websocket carries it: Asterisk writes its native
// `slin`/`slin16` frames to the media websocket as they are in memory, which on
// the platforms it runs on (x86-64, arm64) is little-endian (observed: the
// recorded slin16 websocket call read little-endian is speech, big-endian noise).
// RTP's L16 is big-endian instead (l16.ts).
//
//    byte 2i     byte 2i+1
//   +---------+---------+
//   | LSB (i) | MSB (i) |   sample i, e.g. 0x1234 -> 34 12
//   +---------+---------+

import { decodedSamples, encodedSamples } from './l16.js';

/** Decodes src.length / 2 little-endian samples into the start of `dst`. */
export function decodeL16le(src: Uint8Array, dst: Int16Array): void {
  const n = decodedSamples(src, dst);
  for (let i = 0, b = 0; i < n; i++, b += 2) {
    // Int16Array stores modulo 2^16, which turns the 16-bit pattern into its signed value.
    dst[i] = src[b]! | (src[b + 1]! << 8);
  }
}

/** Encodes every sample of `src` little-endian into the first src.length * 2 bytes of `dst`. */
export function encodeL16le(src: Int16Array, dst: Uint8Array): void {
  const n = encodedSamples(src, dst);
  for (let i = 0, b = 0; i < n; i++, b += 2) {
    const sample = src[i]!;
    dst[b] = sample;
    dst[b + 1] = sample >> 8;
  }
}
