import { describe, expect, it } from 'vitest';
import { wordsNotSaidByAgent } from '../../../media/conversation/echo-words.js';

describe('wordsNotSaidByAgent', () => {
  it("counts the words of a transcript that are not in the agent's own words", () => {
    const agent = "We're open Monday to Friday, from eight until six.";
    expect(wordsNotSaidByAgent('open monday to friday', agent)).toBe(0);
    expect(wordsNotSaidByAgent("We're OPEN, Monday!", agent)).toBe(0);
    expect(wordsNotSaidByAgent('wait what about Saturday', agent)).toBe(4);
    expect(wordsNotSaidByAgent('Friday and Saturday', agent)).toBe(2);
    expect(wordsNotSaidByAgent('', agent)).toBe(0);
    expect(wordsNotSaidByAgent('hello there', '')).toBe(2);
  });
});
