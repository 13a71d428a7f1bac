// The OpenAI SDK's fetch (media/providers/keep-alive-fetch.ts) against a real
// HTTP server on 127.0.0.1: one connection for a call's requests, even after an
// idle stretch longer than the platform fetch keeps one (4 s), and the errors
// the SDK and our providers rely on.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeepAliveFetch, type KeepAliveFetch } from '../../../media/providers/keep-alive-fetch.js';
import { sleep } from '../../kit/sleep.js';

/** Longer than the platform fetch's idle limit (undici's 4 s keepAliveTimeout). */
const IDLE_PAST_PLATFORM_LIMIT_MS = 4_500;

describe('keep-alive fetch', () => {
  let server: http.Server;
  let base: string;
  let connections: number;
  const sockets = new Set<Socket>();
  let keepAlive: KeepAliveFetch;
  /** The response of the current request, for a test to end or cut. */
  let held: http.ServerResponse | null;

  beforeEach(async () => {
    connections = 0;
    held = null;
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        if (request.url === '/hold') {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write('data: first\n\n');
          held = response;
          return;
        }
        if (request.url === '/empty') {
          response.writeHead(204).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
        response.end(JSON.stringify({ method: request.method, body, auth: request.headers.authorization ?? null, length: request.headers['content-length'] ?? null }));
      });
    });
    // As the vendor's: no Keep-Alive hint in the responses (the platform fetch then closes a connection idle for 4 s).
    server.keepAliveTimeout = 0;
    server.on('connection', (socket: Socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    keepAlive = createKeepAliveFetch();
  });

  afterEach(async () => {
    keepAlive.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the method, headers and body, and answers a Response the SDK can read', async () => {
    const response = await keepAlive.fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer sk-test', 'content-type': 'application/json' }),
      body: '{"model":"m"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(await response.json()).toEqual({ method: 'POST', body: '{"model":"m"}', auth: 'Bearer sk-test', length: '13' });
    const empty = await keepAlive.fetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('keeps one connection for consecutive requests, also after an idle stretch the platform fetch would have closed it for', async () => {
    for (let i = 0; i < 3; i += 1) expect(await (await keepAlive.fetch(`${base}/r${i}`)).json()).toMatchObject({ method: 'GET' });
    // The idle stretch is the scenario (a caller's turn and the answer), not a wait for something.
    await sleep(IDLE_PAST_PLATFORM_LIMIT_MS);
    expect(await (await keepAlive.fetch(`${base}/after-idle`)).json()).toMatchObject({ method: 'GET' });
    expect(connections).toBe(1);
  });

  it('ends a body with an AbortError when the signal aborts mid-body, and rejects at once when aborted before', async () => {
    const controller = new AbortController();
    const response = await keepAlive.fetch(`${base}/hold`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    expect(Buffer.from(value as Uint8Array).toString('utf8')).toBe('data: first\n\n');
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await expect(keepAlive.fetch(`${base}/r`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails a body cut by the server with TypeError terminated, and a refused connection with TypeError fetch failed', async () => {
    const response = await keepAlive.fetch(`${base}/hold`);
    const reader = response.body!.getReader();
    await reader.read();
    held!.socket!.destroy();
    const cut = await reader.read().then(
      () => null,
      (error: unknown) => error,
    );
    expect(cut).toBeInstanceOf(TypeError);
    expect((cut as TypeError).message).toBe('terminated');
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    keepAlive.close();
    await new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
    const refused = await createKeepAliveFetch().fetch(`${closed}/r`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).message).toBe('fetch failed');
    // afterEach closes it again: a server that is not listening any more.
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
});
