// The conversation engine of a call in words, for the call list and the call
// page. Unknown names (a newer backend's) are shown as stored.
import { html, type Html } from './html.js';

const LABELS: Readonly<Record<string, string>> = {
  cascade: 'Cascade',
  'openai-realtime': 'OpenAI Realtime',
  'self-hosted': 'Self-hosted',
};

export function engineLabel(engine: string): string {
  return LABELS[engine] ?? engine;
}

/** A small badge naming the engine; nothing for calls that have none recorded. */
export function engineBadge(engine: string | null): Html | string {
  return engine === null ? '' : html` <span class="badge badge-engine" title="Conversation engine">${engineLabel(engine)}</span>`;
}
