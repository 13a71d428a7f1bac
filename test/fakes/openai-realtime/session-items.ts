// The fake's conversation items: what a session stores, how an item reads in
// server events (conversation.item.*), the responder's view of them, and the
// refusal shape. Pure.
import type { RealtimeErrorBody } from './client-events.js';
import type { ItemView, ResponseView } from './public-types.js';
import { assistantItem, functionCallItem, userAudioItem } from './server-events.js';

export type Item =
  | { id: string; kind: 'user'; text: string; audioMs: number }
  | { id: string; kind: 'system'; text: string }
  | { id: string; kind: 'assistant'; text: string; audioMs: number; truncatedAtMs: number | null; responseId: string | null }
  | { id: string; kind: 'function_call'; callId: string; name: string; arguments: string }
  | { id: string; kind: 'function_call_output'; callId: string; output: string };

/** The items as the responder sees them. */
export function itemViews(items: readonly Item[]): ItemView[] {
  return items.map((item) => {
    switch (item.kind) {
      case 'user':
        return { type: 'message', role: 'user', text: item.text, audioMs: item.audioMs, truncatedAtMs: null };
      case 'system':
        return { type: 'message', role: 'system', text: item.text, audioMs: 0, truncatedAtMs: null };
      case 'assistant':
        return { type: 'message', role: 'assistant', text: item.text, audioMs: item.audioMs, truncatedAtMs: item.truncatedAtMs };
      case 'function_call':
        return { type: 'function_call', callId: item.callId, name: item.name, arguments: item.arguments };
      case 'function_call_output':
        return { type: 'function_call_output', callId: item.callId, output: item.output };
    }
  });
}

/** What the responder sees when a response starts; `toolOutputsSeen`: outputs shown to earlier responses. */
export function responseView(items: readonly Item[], session: Record<string, unknown>, seq: number, toolOutputsSeen: number): ResponseView {
  const views = itemViews(items);
  const outputs = views.flatMap((item) => (item.type === 'function_call_output' ? [{ callId: item.callId, output: item.output }] : []));
  const lastUser = [...views].reverse().find((item) => item.type === 'message' && item.role === 'user');
  const tools = ((session.tools as { name: string }[] | undefined) ?? []).map((tool) => tool.name);
  return {
    seq,
    items: views,
    lastUserText: lastUser && lastUser.type === 'message' ? lastUser.text : null,
    newToolOutputs: outputs.slice(toolOutputsSeen),
    instructions: typeof session.instructions === 'string' ? session.instructions : '',
    tools,
  };
}

/** An item as server events carry it. */
export function itemBody(item: Item): Record<string, unknown> {
  switch (item.kind) {
    case 'user':
      return userAudioItem(item.id, item.text);
    case 'system':
      return { id: item.id, object: 'realtime.item', type: 'message', status: 'completed', role: 'system', content: [{ type: 'input_text', text: item.text }] };
    case 'assistant':
      return assistantItem({ id: item.id, transcript: item.text, status: 'completed' });
    case 'function_call':
      return functionCallItem(item.id, item.callId, item.name, item.arguments, 'completed');
    case 'function_call_output':
      return { id: item.id, object: 'realtime.item', type: 'function_call_output', status: 'completed', call_id: item.callId, output: item.output };
  }
}

export function invalid(code: string, message: string, param: string | null): Omit<RealtimeErrorBody, 'event_id'> {
  return { type: 'invalid_request_error', code, message, param };
}

/** The event as recorded: audio payloads become their size, so records stay small. */
export function redactAudio(text: string): Record<string, unknown> {
  try {
    const event = JSON.parse(text) as Record<string, unknown>;
    if (typeof event.audio === 'string') event.audio = `<${event.audio.length} base64 chars>`;
    return event;
  } catch {
    return { unparsed: text.slice(0, 200) };
  }
}
