// G.711 (ITU-T G.711) mu-law and A-law, Sun reference algorithms, for the fakes (written apart
// from the gateway's codec on purpose, so a codec bug cannot hide on both sides). Pure, no I/O.

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

/** mu-law byte -> 16-bit linear sample. */
export const ULAW_TO_LINEAR: Int16Array = buildTable((byte) => {
  const inverted = ~byte & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return inverted & 0x80 ? -magnitude : magnitude;
});

/** A-law byte -> 16-bit linear sample. */
export const ALAW_TO_LINEAR: Int16Array = buildTable((byte) => {
  const value = byte ^ 0x55;
  let magnitude = (value & 0x0f) << 4;
  const segment = (value & 0x70) >> 4;
  if (segment === 0) magnitude += 8;
  else if (segment === 1) magnitude += 0x108;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return value & 0x80 ? magnitude : -magnitude;
});

function buildTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let byte = 0; byte < 256; byte += 1) table[byte] = decode(byte);
  return table;
}

export function ulawToLinear(byte: number): number {
  return ULAW_TO_LINEAR[byte & 0xff]!;
}

export function alawToLinear(byte: number): number {
  return ALAW_TO_LINEAR[byte & 0xff]!;
}

export function linearToUlaw(sample: number): number {
  let value = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = value < 0 ? 0x80 : 0;
  if (sign) value = -value;
  if (value > ULAW_CLIP) value = ULAW_CLIP;
  value += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (value & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (value >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

export function linearToAlaw(sample: number): number {
  let value = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (value >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    value = -value - 1;
  }
  let segment = 0;
  while (segment < 8 && value > ALAW_SEGMENT_ENDS[segment]!) segment += 1;
  if (segment >= 8) return 0x7f ^ mask;
  const quantised = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
  return ((segment << 4) | quantised) ^ mask;
}
