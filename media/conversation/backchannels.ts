// Backchannels (pure): what a listening caller says while the agent talks
// ("mm-hm", "uh-huh", "yeah", "okay", "right") to show they follow, not to
// take the turn. A transcript is one when it has at most `maxWords` words and
// every word belongs to a phrase of the language's list. "Yes" and "no" are not
// on the lists: said while the agent talks they usually answer it.
//
// Spellings vary by recognizer ("Mhmm.", "Mm-hmm.", "mmhm"), so words are
// compared folded: lowercase, without apostrophes and hyphens, and with runs
// of one letter shortened to one ("mmhmm" and "mhm" are the same word).

export interface BackchannelRule {
  /** Folded phrases, each a list of folded words. */
  readonly phrases: readonly (readonly string[])[];
  /** Longest transcript (in words) that can be a backchannel; 0: none is. */
  readonly maxWords: number;
}

/** "okay, right", "oh I see", "yeah yeah yeah": longer than this is someone taking the turn. */
export const DEFAULT_BACKCHANNEL_MAX_WORDS = 3;

/** Phrases per language (primary subtag); a business may give its own list. */
export const BACKCHANNEL_PHRASES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  en: ['mm-hm', 'mhm', 'mm', 'hm', 'hmm', 'uh-huh', 'uh huh', 'yeah', 'yep', 'yup', 'okay', 'ok', 'right', 'alright', 'all right', 'sure', 'i see', 'got it', 'oh', 'ah', 'aha', 'cool', 'great', 'uh', 'um'],
  es: ['mhm', 'mm', 'ajá', 'aja', 'vale', 'claro', 'ya', 'ok', 'okey', 'bueno', 'entiendo', 'ah', 'oh'],
  fr: ['mhm', 'mm', 'hm', 'ouais', "d'accord", 'ok', 'okay', 'ah', 'oh', 'je vois', 'ah bon', 'bien sûr', 'entendu'],
  de: ['mhm', 'mm', 'hm', 'aha', 'genau', 'okay', 'ok', 'ach so', 'stimmt', 'alles klar', 'klar', 'ah', 'oh'],
});

const WORD = /[\p{L}\p{N}'’-]+/gu;

/** Lowercase, no apostrophes or hyphens, runs of one letter shortened to one. */
export function foldWord(word: string): string {
  return word
    .toLowerCase()
    .replace(/['’-]/g, '')
    .replace(/(\p{L})\1+/gu, '$1');
}

function foldedWords(text: string): string[] {
  return (text.match(WORD) ?? []).map(foldWord).filter((word) => word !== '');
}

/**
 * The rule for a language tag ("en-US" uses "en"); `phrases` replaces the
 * language's list. A language without a list has no backchannels.
 */
export function backchannelRule(language: string, options: { phrases?: readonly string[] | undefined; maxWords?: number | undefined } = {}): BackchannelRule {
  const primary = language.toLowerCase().split('-')[0] ?? '';
  const phrases = options.phrases ?? BACKCHANNEL_PHRASES[primary] ?? [];
  const maxWords = options.maxWords ?? DEFAULT_BACKCHANNEL_MAX_WORDS;
  if (!Number.isInteger(maxWords) || maxWords < 0) throw new RangeError(`maxWords must be an integer >= 0, got ${maxWords}`);
  return Object.freeze({ phrases: phrases.map(foldedWords).filter((words) => words.length > 0), maxWords });
}

/** The rule can never match: backchannels are not looked for. */
export function backchannelsOff(rule: BackchannelRule): boolean {
  return rule.maxWords === 0 || rule.phrases.length === 0;
}

/** Whether `transcript` is only a backchannel (an empty one is not: nothing was recognized). */
export function isBackchannel(transcript: string, rule: BackchannelRule): boolean {
  const words = foldedWords(transcript);
  if (words.length === 0 || words.length > rule.maxWords) return false;
  // Covered by phrases, longest first at each position (phrases are one to three words).
  let at = 0;
  while (at < words.length) {
    let matched = 0;
    for (const phrase of rule.phrases) {
      if (phrase.length > matched && phrase.every((word, i) => words[at + i] === word)) matched = phrase.length;
    }
    if (matched === 0) return false;
    at += matched;
  }
  return true;
}
