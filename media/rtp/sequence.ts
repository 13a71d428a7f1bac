// Serial-number arithmetic for RTP (RFC 3550 section 5.1, RFC 1982): the
// 16-bit sequence number and the 32-bit timestamp wrap around, so "newer" and
// "distance" are taken modulo the field width, choosing the shorter way round.
// Exactly half the space away is ambiguous in RFC 1982; here it counts as
// behind (the negative end of the range), so every pair has one answer.

export const SEQUENCE_MODULUS = 0x1_0000;

/** Signed distance `a - b` between two 16-bit sequence numbers, in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  const forward = (a - b) & 0xffff;
  return forward >= 0x8000 ? forward - SEQUENCE_MODULUS : forward;
}

/** True when sequence number `a` comes after `b`. */
export function seqNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** `seq + n` modulo 2^16; `n` may be negative. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Signed distance `a - b` between two 32-bit timestamps, in [-2^31, 2^31 - 1]. */
export function tsDiff(a: number, b: number): number {
  // ToInt32 reduces modulo 2^32 into the signed range.
  return (a - b) | 0;
}

/** True when timestamp `a` comes after `b`. */
export function tsNewer(a: number, b: number): boolean {
  return tsDiff(a, b) > 0;
}

/** `ts + n` modulo 2^32 as an unsigned value; `n` may be negative. */
export function tsAdd(ts: number, n: number): number {
  return (ts + n) >>> 0;
}
