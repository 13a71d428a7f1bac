// pg-pool attaches the failed client to idle-client errors (`err.client`), and the
// client holds its connection parameters, password included; pino's error
// serializer would write all of it. Database errors are logged through this instead.

export interface LoggableDbError {
  name: string;
  message: string;
  code?: string;
}

/** Name, message and code of `err`: nothing that can carry credentials. */
export function loggableDbError(err: unknown): LoggableDbError {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number'
    ? { name: err.name, message: err.message, code: String(code) }
    : { name: err.name, message: err.message };
}
