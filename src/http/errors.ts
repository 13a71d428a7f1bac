// The backend API's error catalog: every error answer is { error: { code, message } }.

export const API_ERRORS = {
  not_found: { status: 404, message: 'no such resource' },
  bad_request: { status: 400, message: 'invalid request' },
  unauthorized: { status: 401, message: 'missing or invalid bearer token' },
  /** Staff API: no session cookie, or the session expired, was ended or its user disabled. */
  unauthenticated: { status: 401, message: 'sign in first' },
  /** Same answer for an unknown email, a wrong password and a disabled account. */
  invalid_credentials: { status: 401, message: 'wrong email or password' },
  /** A change without the session's CSRF token in the x-csrf-token header. */
  csrf_failed: { status: 403, message: 'missing or invalid CSRF token' },
  forbidden: { status: 403, message: 'your role does not allow this' },
  conflict: { status: 409, message: 'already exists' },
  range_not_satisfiable: { status: 416, message: 'the requested range is outside the file' },
  /** Outbound: the number is on the business's do-not-call list. */
  do_not_call: { status: 403, message: "the number is on the business's do-not-call list" },
  /** Outbound: outside the business's calling window (Retry-After: until it opens). */
  outside_calling_window: { status: 409, message: "outside the business's calling window" },
  /** Outbound: the business's concurrency or rate limit is reached (Retry-After). */
  call_limit: { status: 429, message: "the business's outbound call limit is reached; retry later" },
  rate_limited: { status: 429, message: 'too many failed sign-in attempts; retry later' },
  /** A session may follow the live calls in a few tabs, not in hundreds. */
  too_many_streams: { status: 429, message: 'too many live event streams for this session; close other tabs' },
  /** Worth retrying: a dependency (database, start-up) is not ready right now. */
  unavailable: { status: 503, message: 'temporarily unavailable; retry later' },
  /** Not worth retrying: the admin API has no OPERATOR_TOKEN configured. */
  admin_disabled: { status: 503, message: 'the admin API is disabled: OPERATOR_TOKEN is not set' },
  internal: { status: 500, message: 'internal error' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message?: string,
    /** Extra response headers (e.g. Retry-After, Content-Range). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? API_ERRORS[code].message);
    this.status = API_ERRORS[code].status;
  }
}

export function errorBody(code: ApiErrorCode, message?: string): { error: { code: ApiErrorCode; message: string } } {
  return { error: { code, message: message ?? API_ERRORS[code].message } };
}
