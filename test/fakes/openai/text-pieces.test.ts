import { describe, expect, it } from 'vitest';
import { textPieces } from './text-pieces.js';

describe('provider fakes: chat pieces', () => {
  it('splits text into pieces that concatenate back to it', () => {
    for (const text of ['Hello, world!', '  spaced  out  ', 'Supercalifragilistic words…', 'émoji 😀 ok', '{"a":"b c","n":[1,2]}', '']) {
      expect(textPieces(text).join('')).toBe(text);
    }
    expect(textPieces('Hello, wonderful world!')).toEqual(['Hello', ',', ' wond', 'erfu', 'l', ' world', '!']);
  });
});
