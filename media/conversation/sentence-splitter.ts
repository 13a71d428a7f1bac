// Splits a streamed LLM response into chunks that can go to text-to-speech
// one by one, as early as they are safe to speak:
//
// - after a sentence end: . ! ? … (and runs of them, e.g. "?!" or "..."),
//   possibly followed by closing quotes or brackets, then whitespace; the
//   CJK forms 。！？ need no whitespace after them;
// - at a line break (LLMs put list items and headings on their own lines);
// - at a clause mark (, ; : followed by whitespace, an em dash, a spaced
//   hyphen or en dash, or the CJK ，、；：) once the chunk has
//   `firstClauseMinWords` words if it is the first chunk of the response (the
//   caller hears something sooner) or `longSentenceWords` words otherwise;
// - at a space once a chunk without any of those reaches `maxChunkWords`.
//
// A period is not a sentence end after a known abbreviation (Mr. Dr. St. etc.),
// a dotted abbreviation (e.g. i.e. a.m. U.S.), a single capital initial, or a
// list number at the start of a line; nor inside a number (3.5, 10:30) since
// whitespace must follow.
//
// Every decision depends only on the text up to one character past the mark,
// so the chunks are the same however the stream is cut into deltas. Chunks
// are trimmed, whitespace is collapsed to single spaces, and Markdown that
// would otherwise be read aloud (bold/italic markers, code ticks, headings,
// bullets, list numbers, links) is removed; nothing else is dropped or repeated.
// Words are whitespace-separated tokens; a CJK character counts as one word.

export interface SentenceSplitterOptions {
  /** The first chunk of a response may end at a clause mark once it has this many words. */
  readonly firstClauseMinWords: number;
  /** Later chunks end at a clause mark once they have this many words. */
  readonly longSentenceWords: number;
  /** A chunk with no mark at all ends at a space once it has this many words. */
  readonly maxChunkWords: number;
}

export const DEFAULT_SENTENCE_SPLITTER_OPTIONS: Readonly<SentenceSplitterOptions> = Object.freeze({
  firstClauseMinWords: 6,
  longSentenceWords: 20,
  maxChunkWords: 50,
});

/**
 * Words (lower case, without the final period) after which a period does not end a sentence.
 * Abbreviations that are also common words (No, Sat, Sun, Mar, Wed) are left out.
 */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'ave', 'blvd', 'rd', 'apt', 'ste', 'dept',
  'etc', 'vs', 'approx', 'ext', 'tel', 'jan', 'feb', 'apr', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'mon', 'tue', 'tues', 'thu', 'thur', 'thurs', 'fri',
]);

const SENTENCE_END = new Set(['.', '!', '?', '…', '。', '！', '？', '．', '｡']);
const CJK_SENTENCE_END = new Set(['。', '！', '？', '．', '｡']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '」', '』', '）', '】', '*', '_']);
const OPENERS = /^["'“‘([{«「『（【*_]+/;
const CLAUSE_MARKS_BEFORE_SPACE = new Set([',', ';', ':']);
const CJK_CLAUSE_MARKS = new Set(['，', '、', '；', '：']);
const DOTTED_ABBREVIATION = /^(?:\p{L}{1,2}\.)+\p{L}{1,2}$/u;
const CJK_CHARACTER = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v' || ch === '\u00a0' || ch === '\u3000';
}

const LINE_START_MARKUP = /^(?:#{1,6}\s+|>\s*|[-*+•]\s+|\d{1,3}[.)]\s+)/;
const HORIZONTAL_RULE = /^[-*_=]{3,}$/;

/** Text as it should be spoken: Markdown removed, whitespace collapsed, trimmed. */
export function speakableText(chunk: string, atLineStart: boolean): string {
  let text = chunk.trim();
  if (atLineStart) {
    if (HORIZONTAL_RULE.test(text)) return '';
    for (let match = LINE_START_MARKUP.exec(text); match !== null; match = LINE_START_MARKUP.exec(text)) {
      text = text.slice(match[0].length);
    }
  }
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*+|__|~~|`+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export class SentenceSplitter {
  readonly #options: SentenceSplitterOptions;
  /** Text received and not yet emitted. */
  #pending = '';
  /** Everything in #pending before this index is known not to end a chunk. */
  #scanFrom = 0;
  /** Words in #pending before #scanFrom, and whether #scanFrom is inside a word. */
  #words = 0;
  #inWord = false;
  #firstChunk = true;
  /** #pending starts at the beginning of a line. */
  #atLineStart = true;

  constructor(options: Partial<SentenceSplitterOptions> = {}) {
    const merged = { ...DEFAULT_SENTENCE_SPLITTER_OPTIONS, ...options };
    for (const [name, value] of Object.entries(merged)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
    }
    this.#options = Object.freeze(merged);
  }

  /** Adds streamed text; returns the chunks now complete, in order. */
  push(delta: string): string[] {
    this.#pending += delta;
    const chunks: string[] = [];
    for (let end = this.#nextChunkEnd(); end !== null; end = this.#nextChunkEnd()) {
      const chunk = this.#take(end);
      if (chunk !== '') chunks.push(chunk);
    }
    return chunks;
  }

  /** The end of the stream: returns what is left (null when nothing) and starts a new response. */
  flush(): string | null {
    const rest = this.#take(this.#pending.length);
    this.#firstChunk = true;
    this.#atLineStart = true;
    return rest === '' ? null : rest;
  }

  /** Drops everything pending (the response was abandoned) and starts a new response. */
  reset(): void {
    this.#take(this.#pending.length);
    this.#firstChunk = true;
    this.#atLineStart = true;
  }

  #take(end: number): string {
    const raw = this.#pending.slice(0, end);
    const text = speakableText(raw, this.#atLineStart);
    this.#pending = this.#pending.slice(end);
    this.#atLineStart = raw.endsWith('\n');
    this.#scanFrom = 0;
    this.#words = 0;
    this.#inWord = false;
    if (text !== '') this.#firstChunk = false;
    return text;
  }

  /** Scans on from #scanFrom; the end index of the next chunk, or null when undecided. */
  #nextChunkEnd(): number | null {
    const text = this.#pending;
    const length = text.length;
    let i = this.#scanFrom;
    try {
      while (i < length) {
        const ch = text[i]!;
        if (ch === '\n') return i + 1;
        if (SENTENCE_END.has(ch)) {
          let j = i + 1;
          while (j < length && (SENTENCE_END.has(text[j]!) || CLOSERS.has(text[j]!))) j++;
          if (j === length) return null;
          if (this.#endsSentence(i, j)) return j;
          this.#countWords(i, j);
          i = j;
          continue;
        }
        const clauseEnd = this.#clauseEnd(i);
        if (clauseEnd === null) return null;
        if (clauseEnd > 0 && this.#clauseCutAllowed()) return clauseEnd;
        if (isSpace(ch) && this.#words >= this.#options.maxChunkWords) return i + 1;
        this.#countWords(i, i + 1);
        i++;
      }
      return null;
    } finally {
      this.#scanFrom = i;
    }
  }

  /** Whether the run of sentence-end marks and closers in [start, end) ends a sentence. */
  #endsSentence(start: number, end: number): boolean {
    const text = this.#pending;
    for (let k = start; k < end; k++) if (CJK_SENTENCE_END.has(text[k]!)) return true;
    if (!isSpace(text[end])) return false;
    if (text[start] !== '.' || SENTENCE_END.has(text[start + 1] ?? '')) return true;
    let wordStart = start;
    while (wordStart > 0 && !isSpace(text[wordStart - 1])) wordStart--;
    const word = text.slice(wordStart, start).replace(OPENERS, '');
    if (ABBREVIATIONS.has(word.toLowerCase())) return false;
    if (/^[A-Z]$/.test(word) && word !== 'I') return false;
    if (DOTTED_ABBREVIATION.test(word)) return false;
    const firstOnLine = this.#atLineStart && text.slice(0, wordStart).trim() === '';
    if (firstOnLine && /^\d{1,3}$/.test(word)) return false;
    return true;
  }

  /**
   * If a clause mark at `i` may end a chunk, the index after it; 0 when there
   * is no clause mark at `i`; null when the next character is needed to tell.
   */
  #clauseEnd(i: number): number | null {
    const text = this.#pending;
    const ch = text[i]!;
    if (CJK_CLAUSE_MARKS.has(ch) || ch === '—') return i + 1;
    const spacedDash = ch === '-' || ch === '–';
    if (!CLAUSE_MARKS_BEFORE_SPACE.has(ch) && !spacedDash) return 0;
    if (spacedDash && !isSpace(text[i - 1])) return 0;
    if (i + 1 === text.length) return null;
    return isSpace(text[i + 1]) ? i + 1 : 0;
  }

  #clauseCutAllowed(): boolean {
    // The mark's own word is counted when the mark is attached to it ("six,").
    const words = this.#words;
    const needed = this.#firstChunk ? this.#options.firstClauseMinWords : this.#options.longSentenceWords;
    return words >= needed;
  }

  #countWords(from: number, to: number): void {
    const text = this.#pending;
    for (let k = from; k < to; k++) {
      const ch = text[k]!;
      if (isSpace(ch)) {
        this.#inWord = false;
      } else if (CJK_CHARACTER.test(ch)) {
        this.#words++;
        this.#inWord = false;
      } else if (!this.#inWord) {
        this.#words++;
        this.#inWord = true;
      }
    }
  }
}
