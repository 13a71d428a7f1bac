// OpenAI's error responses: status plus {"error":{"message","type","param","code"}}. The SDK maps
// the status to its error classes (401 AuthenticationError, 400 BadRequestError, 429
// RateLimitError, 5xx InternalServerError) and retries 408/409/429/5xx unless told otherwise.

import type { ServerResponse } from 'node:http';
import type { ChatErrorReply } from './public-types.js';

export interface OpenAIError {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  retryAfterMs?: number;
}

export function missingKey(): OpenAIError {
  return {
    status: 401,
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}

/** The key is masked as OpenAI masks it: only its first three and last four characters show. */
export function incorrectKey(presented: string): OpenAIError {
  const masked = presented.length > 10 ? `${presented.slice(0, 3)}${'*'.repeat(presented.length - 7)}${presented.slice(-4)}` : '*'.repeat(presented.length);
  return {
    status: 401,
    message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  };
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): OpenAIError {
  return { status: 400, message, type: 'invalid_request_error', param, code };
}

export function notFound(method: string, path: string): OpenAIError {
  return { status: 404, message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null };
}

export function fromReply(reply: ChatErrorReply): OpenAIError {
  const type = reply.type ?? (reply.status === 429 ? 'requests' : reply.status >= 500 ? 'server_error' : 'invalid_request_error');
  const code = reply.code !== undefined ? reply.code : reply.status === 429 ? 'rate_limit_exceeded' : null;
  return { status: reply.status, message: reply.message, type, param: null, code, ...(reply.retryAfterMs === undefined ? {} : { retryAfterMs: reply.retryAfterMs }) };
}

export function sendError(response: ServerResponse, error: OpenAIError, requestId: string): void {
  const body = JSON.stringify({ error: { message: error.message, type: error.type, param: error.param, code: error.code } }, null, 2);
  response.writeHead(error.status, {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
    ...(error.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(error.retryAfterMs) }),
  });
  response.end(body);
}
