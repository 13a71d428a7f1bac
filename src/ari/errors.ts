// The one error type of the ARI client. Messages are built from the method, the ARI path,
// the HTTP status and Asterisk's `{"message": ...}`; credentials are never part of any of them.

export type AriErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'client_error'
  | 'server_error'
  | 'bad_response'
  | 'aborted';

export interface AriErrorInit {
  kind: AriErrorKind;
  method: string;
  /** ARI path without the base and without `/ari`, e.g. `/channels/123/answer`. */
  path: string;
  status?: number;
  /** The `message` of Asterisk's JSON error body, when there was one. */
  ariMessage?: string;
  /** What went wrong when there is no HTTP status, e.g. `connection refused (127.0.0.1:8088)`. */
  detail?: string;
  cause?: Error;
}

const RETRYABLE_KINDS: ReadonlySet<AriErrorKind> = new Set(['unreachable', 'timeout', 'server_error']);

export class AriError extends Error {
  readonly kind: AriErrorKind;
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly ariMessage?: string;

  constructor(init: AriErrorInit) {
    super(AriError.formatMessage(init), init.cause ? { cause: init.cause } : undefined);
    this.name = 'AriError';
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    if (init.ariMessage !== undefined) this.ariMessage = init.ariMessage;
  }

  /** True for failures that may succeed when tried again later. */
  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }

  private static formatMessage(init: AriErrorInit): string {
    const what =
      init.status !== undefined
        ? [String(init.status), init.ariMessage ?? init.detail].filter(Boolean).join(' ')
        : (init.detail ?? init.kind);
    return `ARI ${init.method} ${init.path} failed: ${what}`;
  }
}

export function isAriError(error: unknown): error is AriError {
  return error instanceof AriError;
}

/** Maps an HTTP error status to the error kind callers branch on. */
export function kindForStatus(status: number): AriErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'server_error';
  return 'client_error';
}
