// G.711 (ITU-T G.711) mu-law decoding and A-law encoding, table driven, no I/O.

/** mu-law byte -> 16-bit linear sample. */
export const ULAW_TO_LINEAR: Int16Array = buildUlawTable();

function buildUlawTable(): Int16Array {
  const table = new Int16Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    const inverted = ~byte & 0xff;
    const exponent = (inverted >> 4) & 0x07;
    const mantissa = inverted & 0x0f;
    const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    table[byte] = inverted & 0x80 ? -magnitude : magnitude;
  }
  return table;
}

const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** 16-bit linear sample -> A-law byte (CCITT reference algorithm on the 13 significant bits). */
export function linearToAlaw(sample: number): number {
  let value = sample >> 3;
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
