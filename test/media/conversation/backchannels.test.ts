import { describe, expect, it } from 'vitest';
import { backchannelRule, backchannelsOff, foldWord, isBackchannel } from '../../../media/conversation/backchannels.js';

describe('backchannels', () => {
  const en = backchannelRule('en-US');

  it.each(['Mm-hmm.', 'mhm', 'Uh-huh.', 'uh huh', 'Yeah.', 'Okay.', 'OK', 'Right.', 'Okay, right.', 'Oh, I see.', 'Yeah yeah yeah.'])('"%s" is one in English', (text) => {
    expect(isBackchannel(text, en)).toBe(true);
  });

  it.each(['Yes.', 'No.', 'Sorry, one more thing.', 'Okay, and how much is it?', 'Right, but when?', 'Yeah yeah yeah yeah.', '', '  ...  '])('"%s" is not', (text) => {
    expect(isBackchannel(text, en)).toBe(false);
  });

  it('folds spellings: case, hyphens, apostrophes and repeated letters', () => {
    expect(foldWord('Mm-Hmm')).toBe(foldWord('mhm'));
    expect(foldWord('MMMHMMM')).toBe('mhm');
    expect(foldWord("D'accord")).toBe(foldWord('daccord'));
  });

  it('uses the primary language subtag, and a language without a list has none', () => {
    expect(isBackchannel('Vale.', backchannelRule('es-MX'))).toBe(true);
    expect(isBackchannel("D'accord.", backchannelRule('fr'))).toBe(true);
    expect(isBackchannel('Genau.', backchannelRule('de-DE'))).toBe(true);
    expect(isBackchannel('Okay.', backchannelRule('xx'))).toBe(false);
    expect(backchannelsOff(backchannelRule('xx'))).toBe(true);
  });

  it("a business's own phrases replace the language's, and maxWords 0 turns them off", () => {
    const own = backchannelRule('en', { phrases: ['sounds good'] });
    expect(isBackchannel('Sounds good.', own)).toBe(true);
    expect(isBackchannel('Okay.', own)).toBe(false);
    const off = backchannelRule('en', { maxWords: 0 });
    expect(backchannelsOff(off)).toBe(true);
    expect(isBackchannel('Okay.', off)).toBe(false);
    expect(() => backchannelRule('en', { maxWords: -1 })).toThrow(RangeError);
  });
});
