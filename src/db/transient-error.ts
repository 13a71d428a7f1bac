// Tells "the database is unreachable right now" (worth retrying) apart from
// errors a retry cannot fix (constraint violations, bad SQL, raised exceptions).
//
// The connection-level failure surfaces in different wrappers depending on where
// it happened:
// - pg / pg-pool directly: a Node socket error (`code: 'ECONNREFUSED'`), a
//   server error with a SQLSTATE (`code: '57P01'`), or a plain Error
//   ('Connection terminated unexpectedly', 'timeout exceeded when trying to connect');
// - Prisma 7 + @prisma/adapter-pg: PrismaClientKnownRequestError with a P1xxx
//   code and `meta.driverAdapterError`, a DriverAdapterError whose `cause` is
//   `{ kind: 'DatabaseNotReachable' | 'ConnectionClosed' | …, originalCode? }`;
//   errors the adapter does not classify reach the caller as
//   PrismaClientUnknownRequestError carrying only the original message;
// - our own wrappers (MigrationError, …) keep the original in `cause`.
// So we walk `cause`, `meta.driverAdapterError` and AggregateError `errors`, and
// look at codes, adapter kinds and, for the unclassified pg errors, messages.
import { DbPingTimeoutError } from './ping-timeout-error.js';

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs meaning the server or connection is going away or overloaded:
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
 * 53300 too_many_connections; the whole class 08 (connection exception) is checked separately.
 */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Prisma error codes for connection failures: can't reach, timed out, server closed it, pool timeout. */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);

/** @prisma/driver-adapter-utils error kinds for connection failures. */
const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** Messages of pg errors that carry no code. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i, // 'Connection terminated unexpectedly', '… due to connection timeout'
  /timeout exceeded when trying to connect/i, // pg-pool connectionTimeoutMillis
  /client has encountered a connection error and is not queryable/i,
  /connection ended unexpectedly/i,
  /server closed the connection unexpectedly/i,
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE)\b/,
];

const MAX_DEPTH = 8;

function isTransientCode(code: unknown): boolean {
  if (typeof code !== 'string') return false;
  return (
    SOCKET_CODES.has(code) ||
    TRANSIENT_SQLSTATES.has(code) ||
    /^08[0-9A-Z]{3}$/.test(code) ||
    TRANSIENT_PRISMA_CODES.has(code)
  );
}

function isTransientNode(node: Record<string, unknown>): boolean {
  if (node instanceof DbPingTimeoutError) return true;
  if (isTransientCode(node.code) || isTransientCode(node.originalCode)) return true;
  if (typeof node.kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(node.kind)) return true;
  // Text only for errors that carry nothing structured: a coded error (e.g. a
  // raised exception, SQLSTATE P0001) is judged by its code whatever its text
  // says, and a DriverAdapterError repeats the text of its structured `cause`.
  const structured =
    node.code !== undefined ||
    node.originalCode !== undefined ||
    node.kind !== undefined ||
    node.name === 'DriverAdapterError';
  if (!structured && typeof node.message === 'string') {
    const message = node.message;
    return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
  }
  return false;
}

function children(node: Record<string, unknown>): unknown[] {
  const next: unknown[] = [node.cause];
  const meta = node.meta;
  if (meta && typeof meta === 'object') next.push((meta as Record<string, unknown>).driverAdapterError);
  if (Array.isArray(node.errors)) next.push(...(node.errors as unknown[]));
  return next;
}

/** True for connection-level failures (server down, connection lost, pool exhausted), whatever wraps them. */
export function isTransientDbError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): boolean => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > MAX_DEPTH) return false;
    seen.add(value);
    const node = value as Record<string, unknown>;
    return isTransientNode(node) || children(node).some((child) => visit(child, depth + 1));
  };
  return visit(err, 0);
}
