// Plain fetch and ws helpers for tests that talk to the ARI fake directly (no project code).

import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

export type AriEventJson = Record<string, unknown> & { type: string };

export interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or null when the body is empty or not JSON. */
  json: unknown;
}

export type RawAuth = { user: string; password: string } | 'none';

export async function ariRequest(
  baseUrl: string,
  method: string,
  pathAndQuery: string,
  options: { auth?: RawAuth; body?: unknown } = {},
): Promise<RawResponse> {
  const auth = options.auth ?? { user: 'asterisk', password: 'asterisk' };
  const headers: Record<string, string> = {};
  if (auth !== 'none') headers['authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, statusText: response.statusText, headers: response.headers, text, json };
}

/** An events websocket that keeps every event and lets a test wait for one. */
export class EventSocket {
  readonly events: AriEventJson[] = [];
  private readonly arrivals = new EventEmitter();
  pongs = 0;
  closeCode: number | null = null;

  private constructor(readonly socket: WebSocket) {
    this.arrivals.setMaxListeners(0);
    socket.on('message', (data) => {
      this.events.push(JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : new TextDecoder().decode(data)) as AriEventJson);
      this.arrivals.emit('change');
    });
    socket.on('pong', () => {
      this.pongs += 1;
      this.arrivals.emit('change');
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.arrivals.emit('change');
    });
    // A dropped connection surfaces as 'error' before 'close'; tests observe 'close'.
    socket.on('error', () => undefined);
  }

  static async open(url: string): Promise<EventSocket> {
    const socket = new WebSocket(url);
    const client = new EventSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    return client;
  }

  /** Resolves with the first event (already received or arriving) that matches. */
  waitForEvent(predicate: (event: AriEventJson) => boolean, what: string, timeoutMs = 5_000): Promise<AriEventJson> {
    return this.waitUntil(() => this.events.find(predicate), what, timeoutMs);
  }

  waitUntil<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const found = probe();
        if (found === undefined || found === false) return false;
        finish();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.arrivals.off('change', check);
      };
      this.arrivals.on('change', check);
      check();
    });
  }

  /** Round trip on this socket: every frame the server sent before answering the ping has arrived. */
  async pingRoundTrip(): Promise<void> {
    const before = this.pongs;
    this.socket.ping();
    await this.waitUntil(() => this.pongs > before, 'pong');
  }

  /** Resolves with the close code once the socket is closed. */
  closed(timeoutMs = 5_000): Promise<number> {
    return this.waitUntil(() => this.closeCode ?? undefined, 'websocket close', timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens a websocket expecting the upgrade to be refused; resolves with status and body. */
export function refusedUpgrade(url: string): Promise<{ status: number; contentType: string | undefined; wwwAuthenticate: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      reject(new Error('upgrade unexpectedly accepted'));
    });
    socket.once('error', () => undefined);
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'],
          wwwAuthenticate: response.headers['www-authenticate'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
}
