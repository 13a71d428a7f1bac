// ITU-T Recommendation G.711 (11/1988), "Pulse code modulation (PCM) of voice
// frequencies": mu-law (Tables 2a/2b) and A-law (Tables 1a/1b) companding
// between 8-bit codes and linear PCM16, as in the ITU-T G.191 Software Tool
// Library reference (g711.c: ulaw_compress/ulaw_expand, alaw_compress/alaw_expand).
//
// Conventions of the reference that these tables reproduce exactly:
// - mu-law uses the 14 most significant bits of the sample, A-law the 13 most
//   significant bits; the bits below are ignored on encode.
// - Negative samples are quantized through their 1's complement (~x), so x and
//   -x-1 get the same magnitude: -1..-4 encode to mu-law 0x7F ("negative zero").
// - Decoded values are the reconstruction levels of the tables scaled to 16 bits
//   (mu-law 0x80 -> +32124, 0x00 -> -32124; A-law 0xAA -> +32256, 0x2A -> -32256).
// - mu-law codes are transmitted with all bits inverted; A-law codes with the
//   even bits inverted (XOR 0x55). Both use bit 7 = 1 for positive values.
//
// Decoding reads a 256-entry table. Encoding reads a table indexed by the bits
// that matter (16,384 entries for mu-law, 4,096 for A-law), so both are one
// shift, one mask and one load per sample.

/** mu-law code of a zero sample (the idle pattern of a PCMU channel). */
export const ULAW_SILENCE = 0xff;
/** A-law code of a zero sample. */
export const ALAW_SILENCE = 0xd5;

const ULAW_CLIP_MAGNITUDE = 0x1fff;
/** Difference between the mu-law and A-law decision thresholds in 14-bit units (G.191). */
const ULAW_BIAS = 33;

function ulawExpand(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * ULAW_BIAS;
  return code < 0x80 ? -magnitude : magnitude;
}

function alawExpand(code: number): number {
  const toggled = (code ^ 0x55) & 0x7f;
  const exponent = toggled >> 4;
  let mantissa = toggled & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 0x7f ? mantissa : -mantissa;
}

/** `shifted` is the sample arithmetically shifted right by 2 (its 14 MSBs). */
function ulawCompress(shifted: number): number {
  let magnitude = (shifted < 0 ? ~shifted : shifted) + ULAW_BIAS;
  if (magnitude > ULAW_CLIP_MAGNITUDE) magnitude = ULAW_CLIP_MAGNITUDE;
  let segment = 1;
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const highNibble = 8 - segment;
  const lowNibble = 0x0f - ((magnitude >> segment) & 0x0f);
  const code = (highNibble << 4) | lowNibble;
  return shifted >= 0 ? code | 0x80 : code;
}

/** `shifted` is the sample arithmetically shifted right by 4 (its 12 MSBs). */
function alawCompress(shifted: number): number {
  let ix = shifted < 0 ? ~shifted : shifted;
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix = ix - 16 + (exponent << 4);
  }
  if (shifted >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

const ULAW_INDEX_BITS = 14;
const ALAW_INDEX_BITS = 12;
const ULAW_INDEX_MASK = (1 << ULAW_INDEX_BITS) - 1;
const ALAW_INDEX_MASK = (1 << ALAW_INDEX_BITS) - 1;

function buildDecodeTable(expand: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = expand(code);
  return table;
}

/** Entry i holds the code of every sample whose top `bits` bits, masked, equal i. */
function buildEncodeTable(bits: number, compress: (shifted: number) => number): Uint8Array {
  const size = 1 << bits;
  const half = size >> 1;
  const table = new Uint8Array(size);
  for (let index = 0; index < size; index++) {
    table[index] = compress(index < half ? index : index - size);
  }
  return table;
}

const ULAW_DECODE = buildDecodeTable(ulawExpand);
const ALAW_DECODE = buildDecodeTable(alawExpand);
const ULAW_ENCODE = buildEncodeTable(ULAW_INDEX_BITS, ulawCompress);
const ALAW_ENCODE = buildEncodeTable(ALAW_INDEX_BITS, alawCompress);

function saturateInt16(sample: number): number {
  return sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample;
}

/** Linear PCM16 value of a mu-law code (0..255). */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff]!;
}

/** mu-law code of a PCM16 sample (values outside the int16 range saturate). */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[(saturateInt16(sample) >> 2) & ULAW_INDEX_MASK]!;
}

/** Linear PCM16 value of an A-law code (0..255). */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

/** A-law code of a PCM16 sample (values outside the int16 range saturate). */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[(saturateInt16(sample) >> 4) & ALAW_INDEX_MASK]!;
}

function checkCapacity(needed: number, available: number): void {
  if (available < needed) {
    throw new RangeError(`output holds ${available} samples, ${needed} needed`);
  }
}

/** Decodes every byte of `src` into the first src.length samples of `dst`. */
export function decodeUlaw(src: Uint8Array, dst: Int16Array): void {
  const n = src.length;
  checkCapacity(n, dst.length);
  const table = ULAW_DECODE;
  for (let i = 0; i < n; i++) dst[i] = table[src[i]!]!;
}

/** Encodes every sample of `src` into the first src.length bytes of `dst`. */
export function encodeUlaw(src: Int16Array, dst: Uint8Array): void {
  const n = src.length;
  checkCapacity(n, dst.length);
  const table = ULAW_ENCODE;
  for (let i = 0; i < n; i++) dst[i] = table[(src[i]! >> 2) & ULAW_INDEX_MASK]!;
}

/** Decodes every byte of `src` into the first src.length samples of `dst`. */
export function decodeAlaw(src: Uint8Array, dst: Int16Array): void {
  const n = src.length;
  checkCapacity(n, dst.length);
  const table = ALAW_DECODE;
  for (let i = 0; i < n; i++) dst[i] = table[src[i]!]!;
}

/** Encodes every sample of `src` into the first src.length bytes of `dst`. */
export function encodeAlaw(src: Int16Array, dst: Uint8Array): void {
  const n = src.length;
  checkCapacity(n, dst.length);
  const table = ALAW_ENCODE;
  for (let i = 0; i < n; i++) dst[i] = table[(src[i]! >> 4) & ALAW_INDEX_MASK]!;
}
