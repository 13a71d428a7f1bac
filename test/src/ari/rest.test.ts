// AriRest over HTTP against a local peer on 127.0.0.1: the request line, Basic auth, how
// Asterisk's answers and network failures become AriError, and that no credential leaks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AriError } from '../../../src/ari/errors.js';
import { AriRest, buildQueryString } from '../../../src/ari/rest.js';
import { waitUntil } from '../../kit/wait.js';

const USERNAME = 'ari-user';
const PASSWORD = 'Sup3r-s3cret-pw';
const BASIC_TOKEN = Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64');
const silentLogger = pino({ level: 'silent' });

describe('buildQueryString', () => {
  it('omits undefined, joins arrays with commas and percent-encodes', () => {
    expect(buildQueryString(undefined)).toBe('');
    expect(buildQueryString({ a: undefined })).toBe('');
    expect(
      buildQueryString({ channel: ['1.1', '1.2'], external_host: '127.0.0.1:40000', n: 3, b: false, s: 'a b+c' }),
    ).toBe('?channel=1.1%2C1.2&external_host=127.0.0.1%3A40000&n=3&b=false&s=a%20b%2Bc');
  });
});

/** Serialises everything reachable from an error (own properties, cause chain, stack). */
function everythingIn(error: unknown): string {
  const seen = new Set<unknown>();
  const walk = (value: unknown): string => {
    if (typeof value !== 'object' || value === null) return String(value);
    if (seen.has(value)) return '';
    seen.add(value);
    return Object.getOwnPropertyNames(value)
      .map((name) => `${name}=${walk((value as Record<string, unknown>)[name])}`)
      .join('\n');
  };
  const error_ = error as Error;
  return [walk(error), error_.message, error_.stack, String(error_), JSON.stringify(error)].join('\n');
}

interface RecordedHttpRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

type Route = (request: IncomingMessage, response: ServerResponse) => void;

describe('AriRest against a local HTTP peer', () => {
  let server: Server | null = null;
  const received: RecordedHttpRequest[] = [];

  afterEach(async () => {
    received.length = 0;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
      server = null;
    }
  });

  async function serve(route: Route): Promise<AriRest> {
    server = createServer((request, response) => {
      received.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
      route(request, response);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return restFor(`http://127.0.0.1:${port}`);
  }

  function restFor(httpBase: string, requestTimeoutMs = 2_000): AriRest {
    return new AriRest({ httpBase, username: USERNAME, password: PASSWORD, requestTimeoutMs, logger: silentLogger });
  }

  function json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  it('sends Basic auth, puts every parameter in the query string and parses JSON', async () => {
    const rest = await serve((request, response) => {
      if (request.url?.startsWith('/ari/channels/externalMedia')) {
        json(response, 200, { id: 'em-1', name: 'UnicastRTP/127.0.0.1:40000-0x1' });
      } else {
        response.writeHead(204).end();
      }
    });
    const channel = await rest.externalMedia({ transport: 'rtp', app: 'prosaas_ai', externalHost: '127.0.0.1:40000', format: 'ulaw' });
    expect(channel.id).toBe('em-1');
    await expect(rest.addChannels('br-1', ['c1', 'c2'])).resolves.toBeUndefined();
    await expect(rest.hangup('c1', 'normal')).resolves.toBe(true);
    await rest.continueInDialplan('c1', { context: 'from-twilio', extension: 's', priority: 1 });

    expect(received.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /ari/channels/externalMedia?app=prosaas_ai&external_host=127.0.0.1%3A40000&format=ulaw',
      'POST /ari/bridges/br-1/addChannel?channel=c1%2Cc2',
      'DELETE /ari/channels/c1?reason=normal',
      'POST /ari/channels/c1/continue?context=from-twilio&extension=s&priority=1',
    ]);
    expect(new Set(received.map((request) => request.authorization))).toEqual(new Set([`Basic ${BASIC_TOKEN}`]));
  });

  it('maps Asterisk error bodies to AriError, and 404 to null/false where documented', async () => {
    const rest = await serve((request, response) => {
      if (request.url?.startsWith('/ari/applications/')) json(response, 404, { message: 'Application not found' });
      else if (request.url?.startsWith('/ari/bridges')) json(response, 404, { message: 'Bridge not found' });
      else if (request.url?.endsWith('/answer')) json(response, 404, { message: 'Channel not found' });
      else if (request.url?.includes('/variable')) json(response, 404, { message: 'Provided channel was not found' });
      else if (request.method === 'DELETE') json(response, 404, { message: 'Channel not found' });
      else json(response, 500, { message: 'An internal error prevented this request from being handled' });
    });
    await expect(rest.getApplication('prosaas_ai')).resolves.toBeNull();
    await expect(rest.getBridge('nope')).resolves.toBeNull();
    await expect(rest.destroyBridge('nope')).resolves.toBe(false);
    await expect(rest.hangup('gone')).resolves.toBe(false);
    await expect(rest.getChannelVar('gone', 'UNICASTRTP_LOCAL_PORT')).resolves.toBeNull();

    const answerError = await rest.answer('123').catch((error: unknown) => error);
    expect(answerError).toBeInstanceOf(AriError);
    expect(answerError).toMatchObject({
      kind: 'not_found',
      status: 404,
      method: 'POST',
      path: '/channels/123/answer',
      ariMessage: 'Channel not found',
      message: 'ARI POST /channels/123/answer failed: 404 Channel not found',
    });

    const serverError = await rest
      .externalMedia({ transport: 'rtp', app: 'a', externalHost: '127.0.0.1:1', format: 'ulaw' })
      .catch((error: unknown) => error);
    expect(serverError).toMatchObject({ kind: 'server_error', status: 500, retryable: true });
  });

  it('returns undefined for 204 and fails on a 200 that is not JSON', async () => {
    const rest = await serve((request, response) => {
      if (request.url === '/ari/asterisk/ping') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>proxy page</html>');
      } else {
        response.writeHead(204).end();
      }
    });
    await expect(rest.answer('c1')).resolves.toBeUndefined();
    await expect(rest.ping()).rejects.toMatchObject({ kind: 'bad_response', status: 200 });
  });

  it('never lets the password or the Basic token into errors, even when the peer echoes them', async () => {
    const rest = await serve((request, response) => {
      json(response, 401, { message: `Authentication required for ${request.headers.authorization} / ${PASSWORD}` });
    });
    const error = await rest.ping().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, retryable: false });
    const text = everythingIn(error);
    expect(text).toContain('Authentication required');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(BASIC_TOKEN);
  });

  it('classifies a closed local port as unreachable, without credentials in the error', async () => {
    const port = await closedPort();
    const rest = restFor(`http://127.0.0.1:${port}`);
    const error = await rest.ping().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AriError);
    expect(error).toMatchObject({ kind: 'unreachable', retryable: true, method: 'GET', path: '/asterisk/ping' });
    expect((error as AriError).message).toBe(
      `ARI GET /asterisk/ping failed: connection refused (127.0.0.1:${port})`,
    );
    const text = everythingIn(error);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(BASIC_TOKEN);
  });

  it('times out a peer that never answers', async () => {
    const rest = await serve(() => {
      // Never answers: the request must be cut by the client's timeout.
    });
    const error = await rest.request('GET', '/asterisk/ping', { timeoutMs: 150 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true, message: 'ARI GET /asterisk/ping failed: timed out after 150 ms' });
    // The request reached the peer and was cut there, not refused before it was sent.
    expect(received).toHaveLength(1);
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });

  it("reports the caller's abort as aborted, not as a timeout", async () => {
    const rest = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = rest.request('GET', '/channels', { signal: controller.signal }).catch((caught: unknown) => caught);
    await waitUntil(() => received.length === 1, { timeoutMs: 2_000, what: 'the request to arrive' });
    controller.abort();
    await expect(pending).resolves.toMatchObject({ kind: 'aborted', retryable: false });
    await expect(rest.request('GET', '/channels', { signal: controller.signal })).rejects.toMatchObject({
      kind: 'aborted',
    });
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
