// AriEventSocket against a local websocket peer that speaks the real protocol (ws server on
// 127.0.0.1:0): auth header, frame parsing, rejected upgrades, dead-socket detection.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AriEventSocket,
  type AriEventSocketHandlers,
  type EventSocketEnd,
  type RawAriEvent,
} from '../../../src/ari/event-socket.js';
import { waitUntil as waitForCondition } from '../../kit/wait.js';

const USERNAME = 'ari-user';
const PASSWORD = 'Sup3r-s3cret-pw';
const BASIC = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;

function captureLogger(): { logger: Logger; text: () => string; entries: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const text = (): string => chunks.join('');
  const entries = (): Record<string, unknown>[] =>
    text()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, text, entries };
}

interface Peer {
  port: number;
  upgrades: { url: string; authorization: string | undefined }[];
  sockets: WebSocket[];
  rejectWith: number | null;
}

interface Recorder extends AriEventSocketHandlers {
  opened: boolean;
  events: RawAriEvent[];
  malformed: string[];
  ends: EventSocketEnd[];
}

function recorder(): Recorder {
  const record: Recorder = {
    opened: false,
    events: [],
    malformed: [],
    ends: [],
    onOpen: () => {
      record.opened = true;
    },
    onEvent: (event) => record.events.push(event),
    onMalformed: (reason) => record.malformed.push(reason),
    onEnd: (end) => record.ends.push(end),
  };
  return record;
}

function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return waitForCondition(predicate, { timeoutMs, what });
}

describe('AriEventSocket', () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startPeer(options: { autoPong: boolean }): Promise<Peer> {
    const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong });
    const server: Server = createServer();
    const peer: Peer = { port: 0, upgrades: [], sockets: [], rejectWith: null };
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      peer.upgrades.push({ url: request.url ?? '', authorization: request.headers.authorization });
      if (peer.rejectWith !== null || request.headers.authorization !== BASIC) {
        const status = peer.rejectWith ?? 401;
        const body = JSON.stringify({ message: 'Authentication required' });
        socket.end(
          `HTTP/1.1 ${status} Unauthorized\r\nWWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => peer.sockets.push(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    peer.port = (server.address() as AddressInfo).port;
    cleanups.push(async () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    });
    return peer;
  }

  function connect(port: number, record: Recorder, logger: Logger, timings = { ping: 1_000, pong: 1_000 }): AriEventSocket {
    const socket = AriEventSocket.connect(
      {
        wsBase: `ws://127.0.0.1:${port}`,
        appName: 'prosaas_ai',
        username: USERNAME,
        password: PASSWORD,
        handshakeTimeoutMs: 2_000,
        pingIntervalMs: timings.ping,
        pongTimeoutMs: timings.pong,
        logger,
      },
      record,
    );
    cleanups.push(() => socket.close());
    return socket;
  }

  it('opens with the Basic header (no api_key in the URL) and delivers typed frames', async () => {
    const peer = await startPeer({ autoPong: true });
    const record = recorder();
    const { logger } = captureLogger();
    connect(peer.port, record, logger);
    await waitUntil(() => record.opened && peer.sockets.length === 1, 2_000, 'open');
    expect(peer.upgrades).toEqual([{ url: '/ari/events?app=prosaas_ai&subscribeAll=false', authorization: BASIC }]);

    peer.sockets[0]?.send(JSON.stringify({ type: 'StasisStart', application: 'prosaas_ai', args: ['inbound'] }));
    await waitUntil(() => record.events.length === 1, 2_000, 'event');
    expect(record.events[0]).toMatchObject({ type: 'StasisStart', args: ['inbound'] });
  });

  it('counts and logs malformed frames without throwing, and keeps delivering', async () => {
    const peer = await startPeer({ autoPong: true });
    const record = recorder();
    const capture = captureLogger();
    const socket = connect(peer.port, record, capture.logger);
    await waitUntil(() => peer.sockets.length === 1, 2_000, 'open');
    const ws = peer.sockets[0];
    const longGarbage = `not json ${'x'.repeat(5_000)}`;
    ws?.send(longGarbage);
    ws?.send('[1,2]');
    ws?.send('"text"');
    ws?.send(JSON.stringify({ application: 'prosaas_ai' }));
    ws?.send(Buffer.from([1, 2, 3]), { binary: true });
    ws?.send(JSON.stringify({ type: 'StasisEnd', application: 'prosaas_ai' }));
    await waitUntil(() => record.events.length === 1, 2_000, 'valid event after garbage');

    expect(record.malformed).toEqual(['not JSON', 'not a JSON object', 'not a JSON object', 'missing type', 'binary frame']);
    expect(socket.malformedCount).toBe(5);
    expect(record.ends).toEqual([]);
    const warnings = capture.entries().filter((entry) => entry.msg === 'dropped malformed ARI event frame');
    expect(warnings).toHaveLength(5);
    expect(warnings[0]?.excerpt).toMatch(/^not json x+$/);
    expect(String(warnings[0]?.excerpt).length).toBeLessThanOrEqual(200);
  });

  it('reports a 401 upgrade as unauthorized with the ARI message', async () => {
    const peer = await startPeer({ autoPong: true });
    peer.rejectWith = 401;
    const record = recorder();
    const capture = captureLogger();
    connect(peer.port, record, capture.logger);
    await waitUntil(() => record.ends.length === 1, 2_000, 'end');
    expect(record.ends[0]).toEqual({ kind: 'rejected', status: 401, unauthorized: true, ariMessage: 'Authentication required' });
    expect(record.opened).toBe(false);
    expect(capture.text()).not.toContain(PASSWORD);
  });

  it('reports other upgrade statuses distinctly', async () => {
    const peer = await startPeer({ autoPong: true });
    peer.rejectWith = 400;
    const record = recorder();
    connect(peer.port, record, captureLogger().logger);
    await waitUntil(() => record.ends.length === 1, 2_000, 'end');
    expect(record.ends[0]).toMatchObject({ kind: 'rejected', status: 400, unauthorized: false });
  });

  it('declares a socket whose peer stops answering pings dead within ping + pong timeout', async () => {
    const peer = await startPeer({ autoPong: false });
    const record = recorder();
    connect(peer.port, record, captureLogger().logger, { ping: 100, pong: 100 });
    await waitUntil(() => record.opened, 2_000, 'open');
    const openedAt = performance.now();
    await waitUntil(() => record.ends.length === 1, 2_000, 'dead');
    const elapsedMs = performance.now() - openedAt;
    expect(record.ends[0]).toEqual({ kind: 'dead', pongTimeoutMs: 100 });
    expect(elapsedMs).toBeLessThan(200 + 150);
    await waitUntil(() => peer.sockets[0]?.readyState === peer.sockets[0]?.CLOSED, 2_000, 'peer sees the close');
  });

  it('keeps a socket whose peer answers pings alive', async () => {
    const peer = await startPeer({ autoPong: true });
    const record = recorder();
    connect(peer.port, record, captureLogger().logger, { ping: 30, pong: 60 });
    await waitUntil(() => record.opened, 2_000, 'open');
    let pings = 0;
    peer.sockets[0]?.on('ping', () => (pings += 1));
    await waitUntil(() => pings >= 8, 2_000, 'eight pings answered');
    expect(record.ends).toEqual([]);
  });

  it('reports a peer close with code and reason, and an unreachable peer as failed', async () => {
    const peer = await startPeer({ autoPong: true });
    const record = recorder();
    connect(peer.port, record, captureLogger().logger);
    await waitUntil(() => peer.sockets.length === 1, 2_000, 'open');
    peer.sockets[0]?.close(4000, 'bye');
    await waitUntil(() => record.ends.length === 1, 2_000, 'close');
    expect(record.ends[0]).toEqual({ kind: 'closed', code: 4000, reason: 'bye' });

    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = recorder();
    connect(closedPort, refused, captureLogger().logger);
    await waitUntil(() => refused.ends.length === 1, 2_000, 'refused');
    expect(refused.ends[0]).toEqual({ kind: 'failed', description: `connection refused (127.0.0.1:${closedPort})` });
  });

  it('close() sends 1000, is idempotent and reports nothing afterwards', async () => {
    const peer = await startPeer({ autoPong: true });
    const record = recorder();
    const socket = connect(peer.port, record, captureLogger().logger);
    await waitUntil(() => peer.sockets.length === 1, 2_000, 'open');
    const closeCodes: number[] = [];
    peer.sockets[0]?.on('close', (code) => closeCodes.push(code));
    const first = socket.close();
    expect(socket.close()).toBe(first);
    await first;
    await waitUntil(() => closeCodes.length === 1, 2_000, 'peer close');
    expect(closeCodes).toEqual([1000]);
    expect(record.ends).toEqual([]);
  });
});
