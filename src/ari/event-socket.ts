// One ARI events websocket (`/ari/events?app=<app>&subscribeAll=false`): opens it with the Basic
// Authorization header (never api_key in the URL), pings it, declares it dead when a pong does not
// come back in time, and turns text frames into event objects. Malformed frames are counted and
// dropped, never thrown. Reconnecting is the owner's job (see client.ts): this object lives once.

import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import WebSocket, { type RawData } from 'ws';
import { describeNetworkFailure } from './network-failure.js';

export interface AriEventSocketOptions {
  /** From normalizeAriUrl: e.g. `ws://asterisk:8088`, without `/ari`. */
  wsBase: string;
  appName: string;
  username: string;
  password: string;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  /** A ping not answered within this time means the connection is dead. */
  pongTimeoutMs: number;
  logger: Logger;
}

/** An event frame as received: only `type` has been checked. */
export interface RawAriEvent {
  type: string;
  [field: string]: unknown;
}

/** Why the socket is over; reported exactly once, unless the owner called close(). */
export type EventSocketEnd =
  /** The connection was open and then closed (by the peer or the network). */
  | { kind: 'closed'; code: number; reason: string }
  /** The connection was open but a ping went unanswered; it has been terminated. */
  | { kind: 'dead'; pongTimeoutMs: number }
  /** The HTTP upgrade was answered with a non-101 status (401 = credentials rejected). */
  | { kind: 'rejected'; status: number; unauthorized: boolean; ariMessage: string | null }
  /** The connection could not be established (refused, reset, handshake timeout ...). */
  | { kind: 'failed'; description: string };

export interface AriEventSocketHandlers {
  onOpen(): void;
  onEvent(event: RawAriEvent): void;
  onMalformed(reason: string): void;
  onEnd(end: EventSocketEnd): void;
}

/** Longest excerpt of a malformed frame put in a log field. */
const MALFORMED_EXCERPT_CHARS = 200;
/** Longest rejected-upgrade body read (Asterisk sends ~40 bytes of JSON or a short HTML page). */
const MAX_REJECTION_BODY_BYTES = 4096;
/** How long close() waits for the peer's close frame before dropping the connection. */
const CLOSE_GRACE_MS = 1000;
/** Asterisk's events are small JSON objects; anything bigger is refused by ws. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class AriEventSocket {
  private readonly ws: WebSocket;
  private readonly logger: Logger;
  private readonly handlers: AriEventSocketHandlers;
  private readonly pongTimeoutMs: number;
  private ended = false;
  private opened = false;
  private lastErrorDescription: string | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private closeGraceTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private readonly closedPromise: Promise<void>;
  private malformed = 0;

  static connect(options: AriEventSocketOptions, handlers: AriEventSocketHandlers): AriEventSocket {
    return new AriEventSocket(options, handlers);
  }

  private constructor(options: AriEventSocketOptions, handlers: AriEventSocketHandlers) {
    this.handlers = handlers;
    this.pongTimeoutMs = options.pongTimeoutMs;
    this.logger = options.logger.child({ component: 'ari-events-socket' });
    const url = `${options.wsBase}/ari/events?app=${encodeURIComponent(options.appName)}&subscribeAll=false`;
    const token = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.ws = new WebSocket(url, {
      headers: { authorization: `Basic ${token}` },
      handshakeTimeout: options.handshakeTimeoutMs,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
    });
    this.closedPromise = new Promise((resolve) => this.ws.once('close', () => resolve()));

    this.ws.on('open', () => this.handleOpen(options.pingIntervalMs));
    this.ws.on('message', (data, isBinary) => this.handleMessage(data, isBinary));
    this.ws.on('pong', () => this.clearPongTimer());
    this.ws.on('unexpected-response', (_request, response) => this.handleRejection(response));
    this.ws.on('error', (error) => {
      this.lastErrorDescription = describeNetworkFailure(error).description;
    });
    this.ws.on('close', (code, reason) => this.handleClose(code, reason.toString('utf8')));
  }

  /** Frames dropped because they were not a JSON object with a string `type`. */
  get malformedCount(): number {
    return this.malformed;
  }

  /**
   * Closes the socket (1000 by default); no handler is called afterwards. Resolves once the
   * connection is gone; a peer that does not answer the close frame is dropped after a grace time.
   * Idempotent.
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.closing) return this.closing;
    this.ended = true;
    this.stopTimers();
    if (this.ws.readyState === WebSocket.CLOSED) {
      this.closing = Promise.resolve();
      return this.closing;
    }
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(code, reason);
      this.closeGraceTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    } else {
      this.ws.terminate();
    }
    this.closing = this.closedPromise.then(() => {
      if (this.closeGraceTimer) clearTimeout(this.closeGraceTimer);
      this.closeGraceTimer = null;
    });
    return this.closing;
  }

  private handleOpen(pingIntervalMs: number): void {
    if (this.ended) return;
    this.opened = true;
    this.pingTimer = setInterval(() => this.sendPing(), pingIntervalMs);
    this.handlers.onOpen();
  }

  private sendPing(): void {
    if (this.ended || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.ping();
    if (!this.pongTimer) this.pongTimer = setTimeout(() => this.handleDead(), this.pongTimeoutMs);
  }

  private clearPongTimer(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private handleDead(): void {
    this.pongTimer = null;
    if (this.ended) return;
    this.ws.terminate();
    this.finish({ kind: 'dead', pongTimeoutMs: this.pongTimeoutMs });
  }

  private handleMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary) {
      this.reportMalformed('binary frame', `<${rawDataLength(data)} bytes>`);
      return;
    }
    const text = rawDataToText(data);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.reportMalformed('not JSON', text);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.reportMalformed('not a JSON object', text);
      return;
    }
    const type = (parsed as { type?: unknown }).type;
    if (typeof type !== 'string' || type === '') {
      this.reportMalformed('missing type', text);
      return;
    }
    this.handlers.onEvent(parsed as RawAriEvent);
  }

  private reportMalformed(reason: string, text: string): void {
    this.malformed += 1;
    this.logger.warn(
      { reason, excerpt: text.slice(0, MALFORMED_EXCERPT_CHARS), malformedCount: this.malformed },
      'dropped malformed ARI event frame',
    );
    this.handlers.onMalformed(reason);
  }

  private handleRejection(response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      response.removeAllListeners('data');
      const body = Buffer.concat(chunks).toString('utf8');
      this.ws.terminate();
      this.finish({ kind: 'rejected', status, unauthorized: status === 401, ariMessage: parseAriMessage(body) });
    };
    response.on('data', (chunk: Buffer) => {
      if (size < MAX_REJECTION_BODY_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    response.once('end', settle);
    response.on('error', settle);
    response.once('close', settle);
  }

  private handleClose(code: number, reason: string): void {
    if (this.opened) {
      this.finish({ kind: 'closed', code, reason });
    } else {
      this.finish({ kind: 'failed', description: this.lastErrorDescription ?? `closed before open (${code})` });
    }
  }

  /** Reports the end once and releases the timers. */
  private finish(end: EventSocketEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.handlers.onEnd(end);
  }

  private stopTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.clearPongTimer();
  }
}

function rawDataToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function rawDataLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((total, part) => total + part.length, 0);
  return data.byteLength;
}

function parseAriMessage(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const message = (parsed as { message?: unknown }).message;
      if (typeof message === 'string') return message.slice(0, MALFORMED_EXCERPT_CHARS);
    }
  } catch {
    // Asterisk answers some rejections with an HTML page; the status says enough then.
  }
  return null;
}
