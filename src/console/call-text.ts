// Small pieces of call text shared by the pages: the caller's number, the
// first words of a turn, and the last thing said on a live call.
import type { LastTurn } from '../staff/live-feed.js';
import { html, type Html } from './html.js';

const SNIPPET_LENGTH = 90;

/** The caller's number as shown; callers without caller ID are "Unknown number". */
export function callerText(from: string | null): string {
  return from === null || from === '' ? 'Unknown number' : from;
}

/** `text` on one line, cut on a character (not UTF-16 unit) boundary with "…". */
export function snippet(text: string | null, length = SNIPPET_LENGTH): string {
  if (text === null) return '';
  const characters = [...text.replace(/\s+/g, ' ').trim()];
  return characters.length <= length ? characters.join('') : `${characters.slice(0, length - 1).join('').trimEnd()}…`;
}

/** "Caller: text" / "Agent: text (interrupted)"; app.js builds the same for live updates. */
export function lastTurnCell(turn: LastTurn | null): Html {
  if (turn === null) return html``;
  const speaker = turn.role === 'caller' ? 'Caller' : 'Agent';
  return html`<strong>${speaker}:</strong> ${turn.text}${turn.interrupted ? html` <em>(interrupted)</em>` : ''}`;
}
