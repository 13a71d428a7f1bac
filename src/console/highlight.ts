// Showing where a search matched: the sentence of a text that contains the
// searched words, with each occurrence in <mark> (case-insensitive, literal:
// the words are not a pattern). Escaping stays with html``.
import { html, type Html } from './html.js';

const MAX_SENTENCE = 200;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every occurrence of `words` marked. */
export function markAll(text: string, words: string): Html {
  if (words.trim() === '') return html`${text}`;
  const parts = text.split(new RegExp(`(${escapeRegExp(words.trim())})`, 'gi'));
  return html`${parts.map((part, index) => (index % 2 === 1 ? html`<mark>${part}</mark>` : part))}`;
}

/** The sentence of `text` holding the first match of `words`, cut around it when long, with the matches marked. */
export function matchingSentence(text: string, words: string): Html {
  const needle = words.trim().toLowerCase();
  const at = text.toLowerCase().indexOf(needle);
  if (needle === '' || at < 0) return html`${text}`;
  const start = Math.max(0, ...[...text.slice(0, at).matchAll(/[.!?]\s+/g)].map((match) => match.index + match[0].length));
  const endMatch = /[.!?](\s|$)/.exec(text.slice(at + needle.length));
  const end = endMatch ? at + needle.length + endMatch.index + 1 : text.length;
  let sentence = text.slice(start, end).trim();
  let prefix = start > 0 ? '…' : '';
  let suffix = end < text.length ? '…' : '';
  if (sentence.length > MAX_SENTENCE) {
    const local = sentence.toLowerCase().indexOf(needle);
    const from = Math.max(0, local - 80);
    const to = Math.min(sentence.length, local + needle.length + 80);
    prefix = from > 0 ? '…' : prefix;
    suffix = to < sentence.length ? '…' : suffix;
    sentence = sentence.slice(from, to);
  }
  return html`${prefix}${markAll(sentence, words)}${suffix}`;
}
