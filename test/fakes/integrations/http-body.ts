// Small helpers of the integration fakes' HTTP servers.
import type http from 'node:http';

/** Reads the request body as text (bounded: the fakes take small JSON bodies). */
export async function readBody(request: http.IncomingMessage, maxBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new Error('request body too large for the fake');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
