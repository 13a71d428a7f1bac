// Request checks the real chat completions endpoint makes before generating anything, with its
// wording, so a client bug (an unanswered tool call, a dangling tool message) fails here as it
// would in production: 400 invalid_request_error.

import { invalidRequest, type OpenAIError } from './openai-errors.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateChatRequest(body: unknown): OpenAIError | null {
  if (!isObject(body)) return invalidRequest('The request body must be a JSON object.');
  if (typeof body['model'] !== 'string' || body['model'].length === 0) return invalidRequest('you must provide a model parameter');
  const messages = body['messages'];
  if (messages === undefined) return invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) return invalidRequest("Invalid type for 'messages': expected an array.", 'messages', 'invalid_type');
  if (messages.length === 0) return invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  if (body['stream_options'] !== undefined && body['stream'] !== true) {
    return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', null);
  }
  return validateTools(body['tools']) ?? validateMessages(messages);
}

function validateTools(tools: unknown): OpenAIError | null {
  if (tools === undefined) return null;
  if (!Array.isArray(tools)) return invalidRequest("Invalid type for 'tools': expected an array.", 'tools', 'invalid_type');
  for (const [index, tool] of tools.entries()) {
    if (!isObject(tool) || tool['type'] !== 'function') {
      return invalidRequest(`Invalid value for 'tools[${index}].type': expected 'function'.`, `tools[${index}].type`, 'invalid_value');
    }
    const fn = tool['function'];
    if (!isObject(fn) || typeof fn['name'] !== 'string') {
      return invalidRequest(`Missing required parameter: 'tools[${index}].function.name'.`, `tools[${index}].function.name`, 'missing_required_parameter');
    }
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(fn['name'])) {
      return invalidRequest(`Invalid 'tools[${index}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `tools[${index}].function.name`, 'invalid_value');
    }
  }
  return null;
}

function validateMessages(messages: unknown[]): OpenAIError | null {
  let unanswered: { index: number; ids: Set<string> } | null = null;
  for (const [index, message] of messages.entries()) {
    if (!isObject(message) || typeof message['role'] !== 'string' || !ROLES.has(message['role'])) {
      return invalidRequest(`Invalid value for 'messages[${index}].role'.`, `messages.[${index}].role`, 'invalid_value');
    }
    const role = message['role'];
    if (role === 'tool') {
      const id = message['tool_call_id'];
      if (unanswered === null || typeof id !== 'string' || !unanswered.ids.has(id)) {
        return invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
      unanswered.ids.delete(id);
      continue;
    }
    if (unanswered !== null && unanswered.ids.size > 0) return danglingToolCalls(unanswered.index, unanswered.ids);
    unanswered = null;
    const toolCalls = message['tool_calls'];
    if (role === 'assistant' && Array.isArray(toolCalls) && toolCalls.length > 0) {
      unanswered = { index, ids: new Set(toolCalls.map((call) => String(isObject(call) ? call['id'] : ''))) };
    }
  }
  if (unanswered !== null && unanswered.ids.size > 0) return danglingToolCalls(unanswered.index, unanswered.ids);
  return null;
}

function danglingToolCalls(index: number, ids: Set<string>): OpenAIError {
  return invalidRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`,
    `messages.[${index}].role`,
  );
}
