// The one catalog of control-API errors: each code has one HTTP status and a
// default message. Every error response has the contract's ApiErrorBody shape.
import type { FastifyReply } from 'fastify';
import type { ApiErrorBody, MediaErrorCode } from '../contract/sessions.js';

interface CatalogEntry {
  readonly status: number;
  readonly message: string;
}

export const MEDIA_API_ERRORS: Readonly<Record<MediaErrorCode, CatalogEntry>> = Object.freeze({
  unauthorized: { status: 401, message: 'missing or invalid bearer token' },
  bad_request: { status: 400, message: 'invalid request' },
  not_found: { status: 404, message: 'not found' },
  no_capacity: { status: 503, message: 'the media gateway cannot take more sessions' },
  media_unreachable: { status: 502, message: "Asterisk's media websocket could not be connected" },
  engine_unavailable: { status: 422, message: 'the business\'s conversation engine is not configured on this media gateway' },
  internal: { status: 500, message: 'internal error' },
});

/** Thrown by route handlers; the app's error handler answers it. */
export class MediaApiError extends Error {
  readonly code: MediaErrorCode;
  readonly status: number;

  constructor(code: MediaErrorCode, message: string = MEDIA_API_ERRORS[code].message) {
    super(message);
    this.name = 'MediaApiError';
    this.code = code;
    this.status = MEDIA_API_ERRORS[code].status;
  }
}

export function errorBody(code: MediaErrorCode, message: string = MEDIA_API_ERRORS[code].message): ApiErrorBody {
  return { error: { code, message } };
}

export function sendApiError(reply: FastifyReply, code: MediaErrorCode, message?: string): FastifyReply {
  if (code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  return reply.status(MEDIA_API_ERRORS[code].status).send(errorBody(code, message));
}
