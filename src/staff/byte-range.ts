// The Range request header for one byte range (RFC 9110 section 14):
//
//   Range: bytes=first-last    bytes first..last (last clamped to the end)
//   Range: bytes=first-        from first to the end
//   Range: bytes=-suffix       the last `suffix` bytes
//
// A header that is not a single well-formed bytes range is ignored (the whole
// file is served, as section 14.2 allows); a well-formed range that selects
// nothing of the file is unsatisfiable (416).

export type RangeDecision =
  | { kind: 'full' }
  /** `end` inclusive. */
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header.trim().replace(/\s+/g, ''));
  if (!match) return { kind: 'full' };
  const [, firstText = '', lastText = ''] = match;
  if (firstText === '' && lastText === '') return { kind: 'full' };
  if (firstText === '') {
    const suffix = Number(lastText);
    if (!Number.isSafeInteger(suffix)) return { kind: 'full' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const first = Number(firstText);
  const last = lastText === '' ? Infinity : Number(lastText);
  if (!Number.isSafeInteger(first) || (lastText !== '' && !Number.isSafeInteger(last)) || last < first) {
    return { kind: 'full' };
  }
  if (first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start: first, end: Math.min(last, size - 1) };
}

/** Content-Range of a partial answer, or of a 416 (`bytes *\/size`). */
export function contentRange(decision: RangeDecision, size: number): string | null {
  if (decision.kind === 'partial') return `bytes ${decision.start}-${decision.end}/${size}`;
  if (decision.kind === 'unsatisfiable') return `bytes */${size}`;
  return null;
}
