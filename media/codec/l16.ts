// L16 audio on the wire, RFC 3551 section 4.5.11: uncompressed signed 16-bit
// two's-complement samples in network byte order (big-endian, most significant
// byte first), one channel here. Asterisk's externalMedia `slin`/`slin16` RTP
// formats follow it (observed: samples arrive big-endian and are expected
// big-endian). Inside the gateway samples are host-order Int16Array.
//
//    byte 2i     byte 2i+1
//   +---------+---------+
//   | MSB (i) | LSB (i) |   sample i, e.g. 0x1234 -> 12 34
//   +---------+---------+

export const L16_BYTES_PER_SAMPLE = 2;

/** Decodes src.length / 2 big-endian samples into the start of `dst`. */
export function decodeL16(src: Uint8Array, dst: Int16Array): void {
  const n = decodedSamples(src, dst);
  for (let i = 0, b = 0; i < n; i++, b += 2) {
    // Int16Array stores modulo 2^16, which turns the 16-bit pattern into its signed value.
    dst[i] = (src[b]! << 8) | src[b + 1]!;
  }
}

/** Encodes every sample of `src` big-endian into the first src.length * 2 bytes of `dst`. */
export function encodeL16(src: Int16Array, dst: Uint8Array): void {
  const n = encodedSamples(src, dst);
  for (let i = 0, b = 0; i < n; i++, b += 2) {
    const sample = src[i]!;
    dst[b] = sample >> 8;
    dst[b + 1] = sample;
  }
}

/** Samples `src` decodes to (either byte order); throws unless they are whole and fit in `dst`. */
export function decodedSamples(src: Uint8Array, dst: Int16Array): number {
  const byteCount = src.length;
  if ((byteCount & 1) !== 0) {
    throw new RangeError(`L16 payload of ${byteCount} bytes is not a whole number of samples`);
  }
  const n = byteCount >> 1;
  if (dst.length < n) throw new RangeError(`output holds ${dst.length} samples, ${n} needed`);
  return n;
}

/** Samples of `src` to encode (either byte order); throws unless their bytes fit in `dst`. */
export function encodedSamples(src: Int16Array, dst: Uint8Array): number {
  const n = src.length;
  if (dst.length < n * 2) {
    throw new RangeError(`output holds ${dst.length} bytes, ${n * 2} needed`);
  }
  return n;
}
