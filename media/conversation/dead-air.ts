// When the conversation fills a silence (pure): a filler while an answer is
// prepared, a reprompt or a goodbye for a caller who says nothing.
import type { ClipName } from './conversation-types.js';

/** Fillers per answer at most; a provider slower than that times out and fails the turn anyway. */
export const MAX_FILLERS_PER_TURN = 4;

/** The filler due now while an answer is prepared, if any. */
export function fillerDue(atMs: number, quietSinceMs: number, fillerAfterMs: number, fillersSoFar: number): ClipName | null {
  if (fillersSoFar >= MAX_FILLERS_PER_TURN || atMs - quietSinceMs < fillerAfterMs) return null;
  return fillersSoFar === 0 ? 'filler' : 'filler_more';
}

/** What a caller's silence since `sinceMs` calls for now: a reprompt, the goodbye, or nothing yet. */
export function silenceDue(atMs: number, sinceMs: number, repromptMs: number, reprompts: number, maxReprompts: number): 'reprompt' | 'goodbye' | null {
  if (atMs - sinceMs < repromptMs) return null;
  return reprompts < maxReprompts ? 'reprompt' : 'goodbye';
}
