// AriClient's handling of what arrives on the events socket (malformed frames, unknown event
// types, events from a stale socket), against a minimal ARI peer on 127.0.0.1 that can send
// arbitrary frames: GET /ari/asterisk/ping, GET /ari/applications/{app} and /ari/events.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AriClient } from '../../../src/ari/client.js';
import type { AriEvent } from '../../../src/ari/types.js';
import { waitUntil } from '../../kit/wait.js';

const APP = 'prosaas_ai';
const WAIT_MS = 5_000;

/** Just enough of ARI for the client's supervisor, plus raw frame injection. */
class MiniAri {
  readonly sockets: WebSocket[] = [];
  /** GET /applications/{app} answers 200 while true; set on every events upgrade. */
  appHeld = false;
  /** The next this-many application checks answer 404 although the app is held (listing lag). */
  notListedYet = 0;
  applicationChecks = 0;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor() {
    this.server = createServer((request, response) => {
      const reply = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.url === '/ari/asterisk/ping') {
        reply(200, { asterisk_id: '02:fc:00:00:00:01', ping: 'pong', timestamp: '2026-11-21T04:19:39.780+0000' });
      } else if (request.url === `/ari/applications/${APP}`) {
        this.applicationChecks += 1;
        const lagging = this.notListedYet > 0;
        if (lagging) this.notListedYet -= 1;
        if (this.appHeld && !lagging) reply(200, { name: APP, channel_ids: [], bridge_ids: [], endpoint_ids: [], device_names: [], events_allowed: [], events_disallowed: [] });
        else reply(404, { message: 'Application not found' });
      } else {
        reply(404, { message: 'Resource not found' });
      }
    });
    this.server.on('upgrade', (request, socket, head) => {
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.appHeld = true;
        this.sockets.push(ws);
      });
    });
  }

  static async start(): Promise<MiniAri> {
    const peer = new MiniAri();
    await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', () => resolve()));
    return peer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once the client has processed every frame sent before on `ws` (its pong follows them). */
  flush(ws: WebSocket): Promise<void> {
    return new Promise((resolve) => {
      ws.once('pong', () => resolve());
      ws.ping();
    });
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function event(type: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, application: APP, timestamp: '2026-11-21T04:19:39.780+0000', ...extra });
}

function pollUntil(predicate: () => boolean, what: string): Promise<void> {
  return waitUntil(predicate, { timeoutMs: WAIT_MS, what });
}

describe('AriClient event frames', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(): Promise<{ peer: MiniAri; client: AriClient; delivered: AriEvent[]; logs: () => string }> {
    const peer = await MiniAri.start();
    cleanups.push(() => peer.close());
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    });
    const client = new AriClient({
      url: peer.url,
      username: 'asterisk',
      password: 'Sup3r-s3cret-pw',
      appName: APP,
      requestTimeoutMs: 1_000,
      pingIntervalMs: 1_000,
      pongTimeoutMs: 1_000,
      reconnectMinMs: 20,
      reconnectMaxMs: 200,
      replacedCheckMs: 50,
      logger: pino({ level: 'debug' }, stream),
    });
    cleanups.push(() => client.close());
    const delivered: AriEvent[] = [];
    client.onEvent((received) => {
      delivered.push(received);
    });
    client.start();
    await client.waitForState('connected', WAIT_MS);
    return { peer, client, delivered, logs: () => chunks.join('') };
  }

  it('counts malformed frames, drops unknown types and stays connected', async () => {
    const { peer, client, delivered, logs } = await setup();
    const ws = peer.sockets[0]!;
    ws.send('{"type": "StasisStart", truncated');
    ws.send(JSON.stringify({ no: 'type' }));
    ws.send('null');
    ws.send(Buffer.from([0xde, 0xad]), { binary: true });
    ws.send(event('PeerStatusChange'));
    ws.send(event('StasisStart', { args: ['inbound'], channel: { id: 'c1' } }));
    await peer.flush(ws);

    expect(client.status).toMatchObject({ state: 'connected', registered: true, malformedEvents: 4 });
    expect(delivered.map((received) => received.type)).toEqual(['StasisStart']);
    expect(logs()).toContain('"type":"PeerStatusChange"');
    expect(logs()).toContain('dropped malformed ARI event frame');
    expect(peer.sockets).toHaveLength(1);
  });

  it('ignores events from a replaced socket and reconnects once the name is free', async () => {
    const { peer, client, delivered } = await setup();
    const stale = peer.sockets[0]!;
    stale.send(event('ApplicationReplaced'));
    await client.waitForState('replaced', WAIT_MS);
    expect(delivered.map((received) => received.type)).toEqual(['ApplicationReplaced']);

    stale.send(event('StasisStart', { args: ['inbound'], channel: { id: 'stale-1' } }));
    stale.send('not json');
    await peer.flush(stale);
    expect(delivered.map((received) => received.type)).toEqual(['ApplicationReplaced']);
    expect(client.status.malformedEvents).toBe(0);
    expect(peer.sockets).toHaveLength(1);

    const closeCodes: number[] = [];
    stale.on('close', (code) => closeCodes.push(code));
    peer.appHeld = false;
    await pollUntil(() => client.status.state === 'connected' && peer.sockets.length === 2, 're-registration');
    await pollUntil(() => closeCodes.length === 1, 'stale socket closed');
    expect(closeCodes).toEqual([1000]);

    const current = peer.sockets[1]!;
    current.send(event('StasisStart', { args: ['inbound'], channel: { id: 'fresh-1' } }));
    await peer.flush(current);
    expect(delivered.map((received) => received.type)).toEqual(['ApplicationReplaced', 'StasisStart']);
  });

  it('retries the registration check when the app is not listed right after the socket opens', async () => {
    const { peer, client } = await setup();
    peer.notListedYet = 2;
    const checksBefore = peer.applicationChecks;
    peer.sockets[0]!.terminate();
    await client.waitForState('disconnected', WAIT_MS);
    await client.waitForState('connected', WAIT_MS);
    expect(client.status.registered).toBe(true);
    expect(peer.sockets).toHaveLength(2);
    expect(peer.applicationChecks - checksBefore).toBe(3);
  });

  it('close() closes the socket with 1000, ends in state closed and is idempotent', async () => {
    const { peer, client } = await setup();
    const closeCodes: number[] = [];
    peer.sockets[0]!.on('close', (code) => closeCodes.push(code));
    const closing = client.close();
    expect(client.close()).toBe(closing);
    await closing;
    expect(client.status).toMatchObject({ state: 'closed', registered: false, connectedAt: null });
    await pollUntil(() => closeCodes.length === 1, 'peer sees the close');
    expect(closeCodes).toEqual([1000]);
    client.start();
    expect(client.status.state).toBe('closed');
    expect(peer.sockets).toHaveLength(1);
  });
});
