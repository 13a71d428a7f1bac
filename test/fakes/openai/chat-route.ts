// POST /v1/chat/completions: validation, the scripted reply, then SSE chunks (`stream: true`,
// `data: {...}\n\n` ... `data: [DONE]\n\n`) or one chat.completion JSON body.

import type { ServerResponse } from 'node:http';
import type { TimerSet } from '../deepgram/clock.js';
import { completionBody, streamChunks, type CompletionContext } from './chat-chunks.js';
import { validateChatRequest } from './chat-validation.js';
import { fromReply, sendError } from './openai-errors.js';
import type { ChatKnobs, ChatReply, ChatRequestView, RecordedRequest } from './public-types.js';
import { writePaced } from './response-pacer.js';

const SYSTEM_FINGERPRINT = 'fp_fake0000001';

export interface ChatRouteDeps {
  knobs: Readonly<ChatKnobs>;
  reply: (request: ChatRequestView) => Promise<ChatReply>;
  timers: TimerSet;
  changed: () => void;
}

export async function handleChatCompletion(
  response: ServerResponse,
  record: RecordedRequest,
  requestId: string,
  deps: ChatRouteDeps,
): Promise<void> {
  const invalid = validateChatRequest(record.body);
  if (invalid) {
    record.status = invalid.status;
    record.outcome = 'error';
    sendError(response, invalid, requestId);
    deps.changed();
    return;
  }
  const body = record.body as Record<string, unknown>;
  const messages = body['messages'] as Array<Record<string, unknown>>;
  const view: ChatRequestView = {
    seq: record.seq,
    body,
    messages,
    tools: Array.isArray(body['tools']) ? (body['tools'] as Array<Record<string, unknown>>) : [],
    lastUserText: lastUserText(messages),
  };
  const reply = await deps.reply(view);
  if ('status' in reply) {
    record.status = reply.status;
    record.outcome = 'error';
    sendError(response, fromReply(reply), requestId);
    deps.changed();
    return;
  }
  if (reply.hang) {
    record.outcome = 'hung';
    deps.changed();
    return;
  }
  const streamOptions = (body['stream_options'] ?? {}) as Record<string, unknown>;
  const context: CompletionContext = {
    id: `chatcmpl-fake${String(record.seq).padStart(25, '0')}`,
    created: Math.floor(Date.now() / 1000),
    model: body['model'] as string,
    systemFingerprint: SYSTEM_FINGERPRINT,
    includeUsage: streamOptions['include_usage'] === true,
    includeObfuscation: streamOptions['include_obfuscation'] !== false,
    promptTokens: Math.ceil(JSON.stringify(messages).length / 4),
    toolCallId: (index) => `call_fake${String(record.seq).padStart(6, '0')}${String(index).padStart(9, '0')}`,
  };
  const firstTokenLatencyMs = reply.firstTokenLatencyMs ?? deps.knobs.firstTokenLatencyMs;
  const headers = {
    'x-request-id': requestId,
    'openai-processing-ms': String(Math.round(firstTokenLatencyMs)),
  };
  if (body['stream'] !== true) {
    writePaced(
      response,
      record,
      {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json' },
        pieces: [Buffer.from(JSON.stringify(completionBody(reply, context), null, 2))],
        firstPieceDelayMs: firstTokenLatencyMs,
        intervalMs: 0,
        disconnectAfterPieces: reply.disconnectAfterChunks,
        stallAfterPieces: reply.stallAfterChunks,
      },
      deps.timers,
      deps.changed,
    );
    return;
  }
  writePaced(
    response,
    record,
    {
      status: 200,
      headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
      pieces: streamChunks(reply, context).map((chunk) => Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`)),
      trailer: Buffer.from('data: [DONE]\n\n'),
      firstPieceDelayMs: firstTokenLatencyMs,
      intervalMs: reply.interTokenDelayMs ?? deps.knobs.interTokenDelayMs,
      disconnectAfterPieces: reply.disconnectAfterChunks,
      stallAfterPieces: reply.stallAfterChunks,
    },
    deps.timers,
    deps.changed,
  );
}

function lastUserText(messages: Array<Record<string, unknown>>): string | null {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index]!;
    if (message['role'] !== 'user') continue;
    const content = message['content'];
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) {
      return content
        .map((part) => (typeof part === 'object' && part !== null && typeof (part as Record<string, unknown>)['text'] === 'string' ? (part as Record<string, string>)['text'] : ''))
        .join('');
    }
    return null;
  }
  return null;
}
