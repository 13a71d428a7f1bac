// The REST side of Deepgram, only what a readiness probe uses: GET /v1/projects
// ("Retrieves basic information about the projects associated with the API
// key"), authenticated like the streaming endpoints (`Authorization: Token
// <key>`). 200 {"projects":[{"project_id","name"}]}; a wrong or missing key
// 401 {"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id"};
// any other path 404.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { INVALID_AUTH, presentedKey, type HandshakeRefusal } from './handshake.js';

export const FAKE_PROJECT = Object.freeze({ project_id: '3f1a5c9e-7b2d-4e8f-9a6b-0c1d2e3f4a5b', name: 'Fake project' });

/** Answers one REST request and returns the status sent. `injected` replaces the answer (failNextRest). */
export function answerRest(
  request: IncomingMessage,
  response: ServerResponse,
  apiKey: string,
  requestId: string,
  injected: HandshakeRefusal | null,
): number {
  const url = new URL(request.url ?? '/', 'http://fake');
  const send = (status: number, body: Record<string, unknown>): number => {
    response.writeHead(status, { 'content-type': 'application/json', 'dg-request-id': requestId });
    response.end(JSON.stringify(body));
    return status;
  };
  if (request.method !== 'GET' || url.pathname !== '/v1/projects') {
    return send(404, { err_code: 'NOT_FOUND', err_msg: 'The fake serves only GET /v1/projects and the streaming endpoints.', request_id: requestId });
  }
  if (presentedKey(request) !== apiKey) return send(401, { err_code: INVALID_AUTH.errCode, err_msg: INVALID_AUTH.errMsg, request_id: requestId });
  if (injected !== null) return send(injected.status, { err_code: injected.errCode, err_msg: injected.errMsg, request_id: requestId });
  return send(200, { projects: [{ ...FAKE_PROJECT }] });
}
