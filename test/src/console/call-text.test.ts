import { describe, expect, it } from 'vitest';
import { snippet } from '../../../src/console/call-text.js';

describe('snippet', () => {
  it('shortens snippets on a character boundary', () => {
    expect(snippet('short')).toBe('short');
    expect(snippet('a'.repeat(100), 10)).toBe(`${'a'.repeat(9)}…`);
    expect(snippet('👋'.repeat(20), 5)).toBe('👋👋👋👋…');
    expect(snippet(null)).toBe('');
  });
});
