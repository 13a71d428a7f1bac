// GET /v1/models: the models the key can use, in the API's list shape
// {"object":"list","data":[{"id","object":"model","created","owned_by"}]} (what a
// readiness probe asks: authenticated, no side effect).

import type { ServerResponse } from 'node:http';

export const FAKE_MODELS = Object.freeze([
  { id: 'gpt-4o-mini', created: 1721172741, owned_by: 'system' },
  { id: 'gpt-4o', created: 1715367049, owned_by: 'system' },
  { id: 'gpt-4o-mini-tts', created: 1742403959, owned_by: 'system' },
  { id: 'tts-1', created: 1681940951, owned_by: 'openai-internal' },
]);

export function sendModels(response: ServerResponse, requestId: string): void {
  const body = { object: 'list', data: FAKE_MODELS.map((model) => ({ id: model.id, object: 'model', created: model.created, owned_by: model.owned_by })) };
  response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
  response.end(JSON.stringify(body, null, 2));
}
