// The HTTP side of Deepgram's streaming endpoints: credentials and the refusal of an upgrade.
// Deepgram checks the key before upgrading and answers a refused handshake with a JSON body,
// e.g. 401 {"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"<uuid>"}.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData } from 'ws';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export interface HandshakeRefusal {
  status: number;
  errCode: string;
  errMsg: string;
}

export const INVALID_AUTH: Omit<HandshakeRefusal, 'status'> = { errCode: 'INVALID_AUTH', errMsg: 'Invalid credentials.' };

/** Default body of an injected failure, by status. */
export function refusalFor(status: number): HandshakeRefusal {
  if (status === 401) return { status, ...INVALID_AUTH };
  if (status === 429) return { status, errCode: 'TOO_MANY_REQUESTS', errMsg: 'Too many requests. Please try again later.' };
  if (status === 402) return { status, errCode: 'ASR_PAYMENT_REQUIRED', errMsg: 'Project does not have enough credits.' };
  if (status >= 500) return { status, errCode: 'INTERNAL_SERVER_ERROR', errMsg: 'Internal server error.' };
  return { status, errCode: 'Bad Request', errMsg: 'Bad request.' };
}

/**
 * The API key the client presented: `Authorization: Token <key>` (server SDKs), or the
 * browser form `Sec-WebSocket-Protocol: token, <key>`. Bearer tokens are not accepted.
 */
export function presentedKey(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^token\s+(.+)$/i.exec(header.trim());
    return match ? match[1]! : null;
  }
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const index = protocols.indexOf('token');
  return index >= 0 && protocols[index + 1] ? protocols[index + 1]! : null;
}

export function refuseUpgrade(socket: Duplex, refusal: HandshakeRefusal, requestId: string): void {
  const body = JSON.stringify({ err_code: refusal.errCode, err_msg: refusal.errMsg, request_id: requestId });
  const reason = STATUS_TEXT[refusal.status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\n` +
      'Content-Type: application/json\r\n' +
      `dg-request-id: ${requestId}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Query parameters as a plain record; repeated keys keep the last value (the fake records raw values). */
export function queryRecord(params: URLSearchParams): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of params) record[key] = value;
  return record;
}

export type ParamResult<T> = { ok: true; value: T } | { ok: false; message: string };

export function booleanParam(params: URLSearchParams, name: string, fallback: boolean): ParamResult<boolean> {
  const raw = params.get(name);
  if (raw === null) return { ok: true, value: fallback };
  if (raw === 'true') return { ok: true, value: true };
  if (raw === 'false') return { ok: true, value: false };
  return { ok: false, message: `Invalid value for ${name}: expected true or false, got '${raw}'.` };
}

export function integerParam(params: URLSearchParams, name: string): ParamResult<number | null> {
  const raw = params.get(name);
  if (raw === null) return { ok: true, value: null };
  if (!/^\d+$/.test(raw)) return { ok: false, message: `Invalid value for ${name}: expected an integer, got '${raw}'.` };
  return { ok: true, value: Number(raw) };
}

/** A websocket message as one Buffer (ws delivers a Buffer unless fragments or binaryType say otherwise). */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
