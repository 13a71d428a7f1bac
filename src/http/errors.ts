// The backend API's error catalog: every error answer is { error: { code, message } }.

export const API_ERRORS = {
  not_found: { status: 404, message: 'no such resource' },
  bad_request: { status: 400, message: 'invalid request' },
  unauthorized: { status: 401, message: 'missing or invalid bearer token' },
  /** Worth retrying: a dependency (database, start-up) is not ready right now. */
  unavailable: { status: 503, message: 'temporarily unavailable; retry later' },
  internal: { status: 500, message: 'internal error' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message?: string,
  ) {
    super(message ?? API_ERRORS[code].message);
    this.status = API_ERRORS[code].status;
  }
}

export function errorBody(code: ApiErrorCode, message?: string): { error: { code: ApiErrorCode; message: string } } {
  return { error: { code, message: message ?? API_ERRORS[code].message } };
}
