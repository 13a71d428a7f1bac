// BackendClient against a local HTTP peer on 127.0.0.1 playing the backend's
// internal API: paths and bearer token from the contract, reports retried in the
// background (bounded) until a backend takes them, actions repeated only when they
// surely did not run and never thrown, drain() on shutdown.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendClient, type BackendClientOptions } from '../../../media/backend/backend-client.js';
import type { TurnReport } from '../../../media/contract/backend.js';
import { waitUntil } from '../../kit/wait.js';

const TOKEN = 'gateway-token-0123456789abcdef';
const CALL_ID = '00000000-0000-4000-8000-00000000c411';
const TURN: TurnReport = {
  seq: 1,
  role: 'caller',
  text: 'I would like to book a cleaning.',
  startedAt: '2026-03-03T10:00:01.000Z',
  endedAt: '2026-03-03T10:00:03.000Z',
  interrupted: false,
  latency: null,
};

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

type Reply = (response: ServerResponse, received: Received) => void;

let server: Server | null = null;
const received: Received[] = [];

afterEach(async () => {
  received.length = 0;
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
  }
});

/** A backend answering each request with the next reply (the last one repeats). */
async function backend(...replies: Reply[]): Promise<string> {
  server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
      received.push(entry);
      const reply = replies[Math.min(received.length, replies.length) - 1]!;
      reply(response, entry);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const status = (code: number, body?: unknown): Reply => (response) => {
  response.writeHead(code, body === undefined ? {} : { 'content-type': 'application/json' });
  response.end(body === undefined ? undefined : JSON.stringify(body));
};
const never: Reply = () => {};

function client(url: string, options: Partial<BackendClientOptions> = {}) {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const backendClient = new BackendClient({ url, token: TOKEN, logger, retryDelayMs: 1, ...options });
  return { backendClient, messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

describe('BackendClient', () => {
  it('posts reports to the contract’s paths with the bearer token', async () => {
    const { backendClient } = client(await backend(status(204)));
    backendClient.reportTurn(CALL_ID, TURN);
    backendClient.reportFailure(CALL_ID, { provider: 'llm', error: 'openai llm: rate limited' });
    await waitUntil(() => received.length === 2, { what: 'both reports' });
    expect(received.map(({ method, url, authorization }) => ({ method, url, authorization })).sort((a, b) => a.url.localeCompare(b.url))).toEqual([
      { method: 'POST', url: `/internal/calls/${CALL_ID}/failures`, authorization: `Bearer ${TOKEN}` },
      { method: 'POST', url: `/internal/calls/${CALL_ID}/turns`, authorization: `Bearer ${TOKEN}` },
    ]);
    expect(received.find((entry) => entry.url.endsWith('/turns'))!.body).toEqual(TURN);
  });

  it('retries a report the backend could not take, until it is stored', async () => {
    const { backendClient, messages } = client(await backend(status(503), status(502), status(204)));
    backendClient.reportTurn(CALL_ID, TURN);
    await backendClient.drain(5_000);
    expect(received).toHaveLength(3);
    expect(received.every((entry) => JSON.stringify(entry.body) === JSON.stringify(TURN))).toBe(true);
    expect(messages()).not.toContain('turn report could not be delivered');
  });

  it('gives up at once on a report the backend refuses (4xx), saying so', async () => {
    const { backendClient, messages } = client(await backend(status(404, { error: { code: 'not_found', message: 'no such call' } })));
    backendClient.reportTurn(CALL_ID, TURN);
    await backendClient.drain(5_000);
    expect(received).toHaveLength(1);
    expect(messages()).toContain('turn report could not be delivered');
  });

  it('gives up on a report after its attempts, saying so', async () => {
    const { backendClient, messages } = client(await backend(status(500)), { reportAttempts: 3 });
    backendClient.reportFailure(CALL_ID, { provider: 'stt', error: 'deepgram stt: socket closed' });
    await backendClient.drain(5_000);
    expect(received).toHaveLength(3);
    expect(messages()).toContain('failure report could not be delivered');
  });

  it('answers an action with the backend’s result, tried once', async () => {
    const { backendClient } = client(await backend(status(200, { ok: false, message: 'No transfer number.' })));
    expect(await backendClient.action(CALL_ID, { type: 'transfer', reason: 'wants a person' })).toEqual({ ok: false, message: 'No transfer number.' });
    expect(received).toEqual([
      { method: 'POST', url: `/internal/calls/${CALL_ID}/actions`, authorization: `Bearer ${TOKEN}`, body: { type: 'transfer', reason: 'wants a person' } },
    ]);
  });

  it('tries an action again while the backend says to retry later (503), then answers its result', async () => {
    const { backendClient, messages } = client(await backend(status(503), status(503), status(200, { ok: true, message: null })));
    expect(await backendClient.action(CALL_ID, { type: 'hangup', reason: 'agent_goodbye' })).toEqual({ ok: true, message: null });
    expect(received).toHaveLength(3);
    expect(messages().filter((m) => m === 'call action not delivered; trying again')).toHaveLength(2);
  });

  it('gives an action up after its attempts while no backend takes it, ok false', async () => {
    const { backendClient } = client(await backend(status(503)), { actionAttempts: 3 });
    expect((await backendClient.action(CALL_ID, { type: 'hangup', reason: 'agent_goodbye' })).ok).toBe(false);
    expect(received).toHaveLength(3);
  });

  it('does not repeat an action the backend may have carried out (500)', async () => {
    const { backendClient } = client(await backend(status(500)));
    expect((await backendClient.action(CALL_ID, { type: 'transfer', reason: null })).ok).toBe(false);
    expect(received).toHaveLength(1);
  });

  it('keeps re-sending a report while no backend is there, and delivers it once one answers', async () => {
    const url = await backend(status(204));
    const port = Number(new URL(url).port);
    server!.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    const { backendClient, messages } = client(url, { retryDelayMs: 20, maxRetryDelayMs: 50, reportAttempts: 200 });
    backendClient.reportTurn(CALL_ID, TURN);
    await waitUntil(() => messages().length === 0 && backendClient.pendingReports === 1, { what: 'the report to wait for a backend' });
    // A backend replica comes (back) on the same address.
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        status(204)(response, received.at(-1)!);
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    await backendClient.drain(10_000);
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toEqual(TURN);
    expect(backendClient.pendingReports).toBe(0);
    expect(messages()).not.toContain('turn report could not be delivered');
  });

  it('bounds the reports waiting for the backend, giving the oldest up in the log', async () => {
    const { backendClient, messages } = client(await backend(status(503)), { maxPendingReports: 2, reportAttempts: 1_000, retryDelayMs: 50 });
    for (let seq = 0; seq < 3; seq += 1) backendClient.reportTurn(CALL_ID, { ...TURN, seq });
    await waitUntil(() => messages().includes('turn report could not be delivered'), { what: 'the oldest report to be given up' });
    expect(backendClient.pendingReports).toBe(2);
  });

  it.each([
    ['answers something that is not an ActionResult', status(200, { done: true })],
    ['answers 200 with no body', status(200)],
  ])('never throws from an action: ok false when the backend %s', async (_, reply) => {
    const { backendClient } = client(await backend(reply));
    const result = await backendClient.action(CALL_ID, { type: 'hangup', reason: 'agent_goodbye' });
    expect(result.ok).toBe(false);
    expect(result.message).toEqual(expect.any(String));
    expect(received).toHaveLength(1);
  });

  it('never throws from an action when the backend cannot be reached', async () => {
    const url = await backend(status(204));
    server!.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    const { backendClient, messages } = client(url, { actionAttempts: 2 });
    expect(await backendClient.action(CALL_ID, { type: 'hangup', reason: 'agent_goodbye' })).toEqual({ ok: false, message: 'the control plane could not be reached' });
    expect(messages()).toContain('call action request failed');
  });

  it('drain() waits for reports in flight, and no longer than it is told', async () => {
    let answer: (() => void) | null = null;
    const { backendClient } = client(await backend((response) => (answer = () => status(204)(response, received[0]!))));
    backendClient.reportTurn(CALL_ID, TURN);
    await waitUntil(() => answer !== null, { what: 'the report to arrive' });
    let drained = false;
    const draining = backendClient.drain(10_000).then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    answer!();
    await draining;
    expect(drained).toBe(true);

  });

  it('drain() gives up waiting after its timeout', async () => {
    const { backendClient } = client(await backend(never), { requestTimeoutMs: 60_000 });
    backendClient.reportTurn(CALL_ID, TURN);
    await waitUntil(() => received.length === 1, { what: 'the report to arrive' });
    await expect(backendClient.drain(20)).resolves.toBeUndefined();
  });
});
