import { describe, expect, it } from 'vitest';
import { contentRange, decideRange } from '../../../src/staff/byte-range.js';

describe('decideRange', () => {
  const size = 1000;
  it.each([
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=-1', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=-2000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=998-5000', { kind: 'partial', start: 998, end: 999 }],
    ['BYTES = 1 - 2', { kind: 'partial', start: 1, end: 2 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=1000-1001', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=9-1', { kind: 'full' }],
    ['bytes=0-1,4-5', { kind: 'full' }],
    ['pages=1-2', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['bytes=1.5-2', { kind: 'full' }],
    ['bytes=99999999999999999999-', { kind: 'full' }],
  ] as const)('%s', (header, expected) => {
    expect(decideRange(header, size)).toEqual(expected);
  });

  it('serves everything without a header, and nothing of an empty file', () => {
    expect(decideRange(undefined, size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('writes Content-Range', () => {
    expect(contentRange({ kind: 'partial', start: 5, end: 9 }, 10)).toBe('bytes 5-9/10');
    expect(contentRange({ kind: 'unsatisfiable' }, 10)).toBe('bytes */10');
    expect(contentRange({ kind: 'full' }, 10)).toBeNull();
  });
});
