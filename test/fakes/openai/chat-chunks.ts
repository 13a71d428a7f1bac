// The body of a chat completion, streamed or not, built from a scripted reply. Pure.
//
// Streamed (`stream: true`), as recorded from the real API (gpt-4o, 2025):
//   {"id":"chatcmpl-…","object":"chat.completion.chunk","created":…,"model":…,"service_tier":"default",
//    "system_fingerprint":"fp_…","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},
//    "logprobs":null,"finish_reason":null}],"obfuscation":"…"}
//   then {"delta":{"content":"<piece>"}} chunks; tool calls as
//   {"delta":{"tool_calls":[{"index":0,"id":"call_…","type":"function","function":{"name":…,"arguments":""}}]}}
//   (with "role":"assistant","content":null,"refusal":null when it is the first delta) followed by
//   {"delta":{"tool_calls":[{"index":0,"function":{"arguments":"<piece>"}}]}}; the last choice chunk
//   has "delta":{} and "finish_reason":"stop" or "tool_calls". With stream_options.include_usage
//   every chunk carries "usage":null and a final chunk has "choices":[] and the usage.

import { textPieces } from './text-pieces.js';
import type { ToolCallScript } from './public-types.js';

export interface CompletionContext {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
  includeUsage: boolean;
  includeObfuscation: boolean;
  promptTokens: number;
  /** Deterministic ids for tool calls without a scripted id. */
  toolCallId: (index: number) => string;
}

export interface ScriptedAnswer {
  text?: string | undefined;
  toolCalls?: ToolCallScript[] | undefined;
}

type Json = Record<string, unknown>;

const OBFUSCATION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function streamChunks(answer: ScriptedAnswer, context: CompletionContext): Json[] {
  const deltas: Json[] = [];
  const text = answer.text ?? '';
  const toolCalls = answer.toolCalls ?? [];
  const firstDeltaExtras = { role: 'assistant' };
  if (text.length > 0 || toolCalls.length === 0) {
    deltas.push({ ...firstDeltaExtras, content: '', refusal: null });
    for (const piece of textPieces(text)) deltas.push({ content: piece });
  }
  toolCalls.forEach((call, index) => {
    const opening = {
      tool_calls: [{ index, id: call.id ?? context.toolCallId(index), type: 'function', function: { name: call.name, arguments: '' } }],
    };
    deltas.push(deltas.length === 0 ? { ...firstDeltaExtras, content: null, ...opening, refusal: null } : opening);
    for (const piece of textPieces(JSON.stringify(call.arguments ?? {}))) {
      deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  });
  const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const chunks = deltas.map((delta) => chunk(context, [{ index: 0, delta, logprobs: null, finish_reason: null }]));
  chunks.push(chunk(context, [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
  if (context.includeUsage) chunks.push(chunk(context, [], usage(context.promptTokens, deltas.length)));
  chunks.forEach((value, index) => {
    if (context.includeObfuscation) value['obfuscation'] = obfuscation(index);
  });
  return chunks;
}

export function completionBody(answer: ScriptedAnswer, context: CompletionContext): Json {
  const text = answer.text ?? '';
  const toolCalls = answer.toolCalls ?? [];
  const message: Json = { role: 'assistant', content: text.length > 0 || toolCalls.length === 0 ? text : null, refusal: null, annotations: [] };
  if (toolCalls.length > 0) {
    message['tool_calls'] = toolCalls.map((call, index) => ({
      id: call.id ?? context.toolCallId(index),
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
    }));
  }
  const completionTokens = textPieces(text).length + toolCalls.reduce((sum, call) => sum + textPieces(JSON.stringify(call.arguments ?? {})).length, 0);
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
    usage: usage(context.promptTokens, completionTokens),
    service_tier: 'default',
    system_fingerprint: context.systemFingerprint,
  };
}

function chunk(context: CompletionContext, choices: Json[], usageValue?: Json): Json {
  const value: Json = {
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    service_tier: 'default',
    system_fingerprint: context.systemFingerprint,
    choices,
  };
  if (context.includeUsage) value['usage'] = usageValue ?? null;
  return value;
}

function usage(promptTokens: number, completionTokens: number): Json {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Padding of varying length, as the real API adds to hide the size of each delta. */
function obfuscation(index: number): string {
  const length = (index * 7 + 3) % 16;
  let value = '';
  for (let i = 0; i < length; i += 1) value += OBFUSCATION_ALPHABET[(index * 31 + i * 17) % OBFUSCATION_ALPHABET.length];
  return value;
}
