// Server event bodies of the Realtime API (GA), as `openai` 6.x types them in
// resources/realtime/realtime.d.ts (RealtimeServerEvent). Builders only: the
// session decides what to send when.
import type { RealtimeErrorBody } from './client-events.js';

export type ServerEvent = { type: string; event_id: string } & Record<string, unknown>;

export class EventIds {
  #next = 0;
  #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  next(kind: string): string {
    this.#next += 1;
    return `${kind}_${this.#prefix}${String(this.#next).padStart(12, '0')}`;
  }
}

export function errorEvent(id: string, error: RealtimeErrorBody): ServerEvent {
  return { type: 'error', event_id: id, error };
}

export interface AssistantItemState {
  id: string;
  transcript: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export function assistantItem(item: AssistantItemState): Record<string, unknown> {
  return {
    id: item.id,
    object: 'realtime.item',
    type: 'message',
    status: item.status,
    role: 'assistant',
    content: item.status === 'in_progress' ? [] : [{ type: 'output_audio', transcript: item.transcript }],
  };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: 'in_progress' | 'completed'): Record<string, unknown> {
  return { id, object: 'realtime.item', type: 'function_call', status, name, call_id: callId, arguments: args };
}

export function userAudioItem(id: string, transcript: string | null): Record<string, unknown> {
  return { id, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript }] };
}

export interface ResponseShape {
  id: string;
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';
  statusDetails: Record<string, unknown> | null;
  output: Record<string, unknown>[];
  format: Record<string, unknown>;
  voice: string;
  conversationId: string;
}

export function responseBody(shape: ResponseShape): Record<string, unknown> {
  const done = shape.status !== 'in_progress';
  return {
    object: 'realtime.response',
    id: shape.id,
    status: shape.status,
    status_details: shape.statusDetails,
    output: shape.output,
    conversation_id: shape.conversationId,
    output_modalities: ['audio'],
    max_output_tokens: 'inf',
    audio: { output: { format: shape.format, voice: shape.voice } },
    usage: done
      ? {
          total_tokens: 0,
          input_tokens: 0,
          output_tokens: 0,
          input_token_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 } },
          output_token_details: { text_tokens: 0, audio_tokens: 0 },
        }
      : null,
    metadata: null,
  };
}

/** The session as session.created / session.updated describe it (defaults of the GA API). */
export function defaultSession(id: string, model: string): Record<string, unknown> {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model,
    output_modalities: ['audio'],
    instructions: 'Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI.',
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24_000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200, idle_timeout_ms: null, create_response: true, interrupt_response: true },
      },
      output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'alloy', speed: 1 },
    },
    include: null,
  };
}
