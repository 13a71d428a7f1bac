import { describe, expect, it } from 'vitest';
import { SentenceSplitter, speakableText } from '../../../media/conversation/sentence-splitter.js';
import { seededRandom } from '../../support/conversation-signals.js';

/** Everything the splitter produces for `text` pushed as `deltas`, flush included. */
function split(deltas: readonly string[], splitter = new SentenceSplitter()): string[] {
  const chunks = deltas.flatMap((delta) => splitter.push(delta));
  const rest = splitter.flush();
  return rest === null ? chunks : [...chunks, rest];
}

function whole(text: string): string[] {
  return split([text]);
}

/** The text in pieces of 1..maxPiece characters at random positions. */
function randomChunking(text: string, random: () => number, maxPiece: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + Math.floor(random() * maxPiece);
    pieces.push(text.slice(i, i + size));
    i += size;
  }
  return pieces;
}

describe('SentenceSplitter: sentence ends', () => {
  it('emits each sentence as soon as the whitespace after it arrives', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Hello')).toEqual([]);
    expect(splitter.push('!')).toEqual([]);
    expect(splitter.push(' How are')).toEqual(['Hello!']);
    expect(splitter.push(' you? I am')).toEqual(['How are you?']);
    expect(splitter.push(' fine.')).toEqual([]);
    expect(splitter.flush()).toBe('I am fine.');
    expect(splitter.flush()).toBeNull();
  });

  it('splits after . ! ? … and runs of them, with closing quotes and brackets', () => {
    expect(whole('Really?! Yes. Well... maybe… We will see. He said "call me." Then (he left.) Done')).toEqual([
      'Really?!',
      'Yes.',
      'Well...',
      'maybe…',
      'We will see.',
      'He said "call me."',
      'Then (he left.)',
      'Done',
    ]);
  });

  it('does not split after abbreviations, decimals, times, initials and dotted abbreviations', () => {
    const text =
      'Mr. Smith and Dr. Jones live on Main St. near the park. ' +
      'It costs $3.50 per item, e.g. a filter, i.e. the small one. ' +
      'We open at 10:30 a.m. and close at 6 p.m. on weekdays. ' +
      'J. K. Rowling moved to the U.S. last year. ' +
      'Bring tools, tape, etc. when you come. Call ext. 42 today.';
    expect(whole(text)).toEqual([
      'Mr. Smith and Dr. Jones live on Main St. near the park.',
      'It costs $3.50 per item, e.g. a filter, i.e. the small one.',
      'We open at 10:30 a.m. and close at 6 p.m. on weekdays.',
      'J. K. Rowling moved to the U.S. last year.',
      'Bring tools, tape, etc. when you come.',
      'Call ext. 42 today.',
    ]);
  });

  it('still splits after "I." and after numbers that end a sentence', () => {
    expect(whole('Not me, said I. We sold 42. The rest stays.')).toEqual(['Not me, said I.', 'We sold 42.', 'The rest stays.']);
  });

  it('splits after CJK sentence ends without needing whitespace', () => {
    expect(whole('您好！我们的营业时间是周一至周五。请问还有什么可以帮您？')).toEqual([
      '您好！',
      '我们的营业时间是周一至周五。',
      '请问还有什么可以帮您？',
    ]);
    expect(whole('「はい。」そうです。')).toEqual(['「はい。」', 'そうです。']);
  });

  it('splits at line breaks', () => {
    expect(whole('Our hours\nMonday to Friday\n\nClosed on Sunday')).toEqual(['Our hours', 'Monday to Friday', 'Closed on Sunday']);
  });
});

describe('SentenceSplitter: early clauses', () => {
  it('cuts the first chunk at a clause mark once it has 6 words', () => {
    expect(whole('Thanks so much for calling Acme Plumbing, how can I help you today? Sure, go ahead.')).toEqual([
      'Thanks so much for calling Acme Plumbing,',
      'how can I help you today?',
      'Sure, go ahead.',
    ]);
    // Too short to cut: "Sure," has one word.
    expect(whole('Sure, I can help with that.')).toEqual(['Sure, I can help with that.']);
  });

  it('cuts later chunks at a clause mark only once they have 20 words', () => {
    const long =
      'We are open Monday through Friday, from eight in the morning to six in the evening, and on Saturdays from nine until noon; ' +
      'please call back then.';
    expect(whole(`Yes. ${long}`)).toEqual([
      'Yes.',
      'We are open Monday through Friday, from eight in the morning to six in the evening, and on Saturdays from nine until noon;',
      'please call back then.',
    ]);
  });

  it('cuts at dashes: an em dash, or a hyphen or en dash with spaces around it', () => {
    const words = Array.from({ length: 20 }, (_, k) => `word${k + 1}`).join(' ');
    expect(whole(`Hi. ${words}—and more. ${words} - more. ${words} – more. Ages 2–3 and well-known x-ray.`)).toEqual([
      'Hi.',
      `${words}—`,
      'and more.',
      `${words} -`,
      'more.',
      `${words} –`,
      'more.',
      'Ages 2–3 and well-known x-ray.',
    ]);
  });

  it('does not cut at a comma or colon inside a number or a time', () => {
    expect(whole('The total for the whole job is 1,250 dollars at 10:30 sharp.')).toEqual([
      'The total for the whole job is 1,250 dollars at 10:30 sharp.',
    ]);
  });

  it('cuts a chunk with no marks at all at a space after 50 words', () => {
    const words = Array.from({ length: 60 }, (_, k) => `w${k}`);
    const chunks = whole(words.join(' '));
    expect(chunks).toEqual([words.slice(0, 50).join(' '), words.slice(50).join(' ')]);
  });

  it('starts each response with the first-chunk rule again after flush and reset', () => {
    const splitter = new SentenceSplitter();
    const first = 'One two three four five six, seven.';
    expect(split([first], splitter)).toEqual(['One two three four five six,', 'seven.']);
    expect(split([first], splitter)).toEqual(['One two three four five six,', 'seven.']);
    expect(splitter.push('Abandoned text that was never finished')).toEqual([]);
    splitter.reset();
    expect(splitter.flush()).toBeNull();
    expect(split([first], splitter)).toEqual(['One two three four five six,', 'seven.']);
  });
});

describe('SentenceSplitter: Markdown and whitespace', () => {
  it('removes the Markdown an LLM may emit', () => {
    const text =
      '## Our services\n' +
      'Here is what we offer:\n' +
      '- **Repairs** of leaks\n' +
      '* Replacing a *faucet*\n' +
      '1. Call [our office](https://example.com/contact)\n' +
      '2) Use the `booking` page\n' +
      '---\n' +
      '> Quoted **note.** Last line.';
    expect(whole(text)).toEqual([
      'Our services',
      'Here is what we offer:',
      'Repairs of leaks',
      'Replacing a faucet',
      'Call our office',
      'Use the booking page',
      'Quoted note.',
      'Last line.',
    ]);
  });

  it('trims and collapses whitespace and drops empty chunks', () => {
    expect(whole('  Hello   there.\t\tHow  are\u00a0you?  \n\n   ')).toEqual(['Hello there.', 'How are you?']);
    expect(whole('   \n\n  ')).toEqual([]);
    expect(speakableText('  **  ** ', true)).toBe('');
  });

  it('rejects invalid options', () => {
    expect(() => new SentenceSplitter({ firstClauseMinWords: 0 })).toThrow(RangeError);
    expect(() => new SentenceSplitter({ longSentenceWords: 2.5 })).toThrow(RangeError);
  });
});

const SENTENCES = [
  'Hello!',
  'Thanks for calling Acme Plumbing, this is the virtual assistant speaking, how can I help you today?',
  'Mr. Smith will be there at 10:30 a.m. tomorrow.',
  'The part costs $3.50, e.g. the small washer.',
  'Really?!',
  'Well... let me check that for you.',
  'We are open Monday through Friday, from eight in the morning to six in the evening, ' +
    'and on Saturdays from nine until noon; closed Sundays.',
  'J. K. Rowling lives in the U.S.',
  'The office — which is on Main St. — opens early.',
  'Call ext. 42, or press 1 for sales: we answer fast.',
  '您好！我们的营业时间是周一至周五，上午九点到下午六点。',
  'He said "see you at 5 p.m." and left.',
  'It is 1,250 dollars in total…',
  'Yes 👍 that works.',
  'a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z',
];
const SEPARATORS = [' ', ' ', '  ', '\n', '\n\n', '\t'];

describe('SentenceSplitter: properties over random texts and chunkings', () => {
  const random = seededRandom(2024);
  const texts = Array.from({ length: 200 }, () => {
    const count = 1 + Math.floor(random() * 8);
    let text = '';
    for (let k = 0; k < count; k++) {
      text += SENTENCES[Math.floor(random() * SENTENCES.length)]!;
      text += SEPARATORS[Math.floor(random() * SEPARATORS.length)]!;
    }
    return random() < 0.5 ? text.trimEnd() : text;
  });

  it('never loses or repeats text, and the chunks do not depend on how the stream is cut', () => {
    const withoutWhitespace = (s: string): string => s.replace(/\s+/g, '');
    for (const text of texts) {
      const reference = whole(text);
      expect(withoutWhitespace(reference.join(''))).toBe(withoutWhitespace(text));
      for (const chunk of reference) {
        expect(chunk).toBe(chunk.trim());
        expect(chunk).not.toBe('');
      }
      for (const maxPiece of [1, 3, 12]) {
        expect(split(randomChunking(text, random, maxPiece)), JSON.stringify(text)).toEqual(reference);
      }
    }
  });

  it('produces the same chunks for Markdown whatever the chunking', () => {
    const markdown = '# Title\n- **First** item, with a [link](http://x.y).\n- Second *item* here\n\n1. Numbered `code` line. More text.';
    const reference = whole(markdown);
    expect(reference).toEqual(['Title', 'First item, with a link.', 'Second item here', 'Numbered code line.', 'More text.']);
    for (let k = 0; k < 50; k++) expect(split(randomChunking(markdown, random, 1 + (k % 7)))).toEqual(reference);
  });
});
