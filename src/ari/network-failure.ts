// Turns the low-level errors thrown by fetch (undici) and ws into one short, secret-free
// description such as `connection refused (127.0.0.1:8088)`.

interface SystemErrorLike {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by peer',
  UND_ERR_CLOSED: 'connection closed',
};

/** Finds the innermost error carrying a system `code` (fetch wraps it as `cause`, happy-eyeballs as `errors`). */
function findSystemError(error: unknown, depth = 0): SystemErrorLike | null {
  if (depth > 5 || typeof error !== 'object' || error === null) return null;
  const candidate = error as SystemErrorLike;
  const nested = findSystemError(candidate.cause, depth + 1);
  if (nested) return nested;
  if (Array.isArray(candidate.errors) && candidate.errors.length > 0) {
    const first = findSystemError(candidate.errors[0], depth + 1);
    if (first) return first;
  }
  return typeof candidate.code === 'string' ? candidate : null;
}

export interface NetworkFailure {
  /** Short text, e.g. `connection refused (127.0.0.1:8088)`. */
  description: string;
  /** The system error code when known, e.g. `ECONNREFUSED`. */
  code: string | undefined;
}

export function describeNetworkFailure(error: unknown): NetworkFailure {
  const system = findSystemError(error);
  if (!system) {
    const message =
      error instanceof Error && error.message !== '' ? error.message : 'network error';
    return { description: message, code: undefined };
  }
  const code = String(system.code);
  const text = DESCRIPTIONS[code] ?? `network error ${code}`;
  const host =
    typeof system.address === 'string'
      ? system.address
      : typeof system.hostname === 'string'
        ? system.hostname
        : undefined;
  const where =
    host === undefined ? '' : typeof system.port === 'number' ? ` (${host}:${system.port})` : ` (${host})`;
  return { description: `${text}${where}`, code };
}
