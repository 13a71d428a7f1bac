// The fake's HTTP server on 127.0.0.1: authentication as Asterisk does it (Basic header,
// else `?api_key=user:pass`), request recording, one-shot injected failures, REST dispatch,
// and the events websocket upgrade.

import { createServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventBatch } from './ari-events.js';
import { ASTERISK_VERSION } from './ari-format.js';
import type { UpgradeDecision } from './events-upgrade.js';
import type { RecordedRequest } from './public-types.js';
import { API_KEY_PARAM } from './request-validation.js';
import type { DispatchResult, RestInput } from './rest-dispatch.js';
import type { RestReply } from './rest-types.js';
import { MEDIA_PATH_PREFIX, MEDIA_SUBPROTOCOL, type MediaUpgradeDecision } from './websocket-media.js';

const SERVER_HEADER = `Asterisk/${ASTERISK_VERSION}`;
const AUTH_REALM = 'Basic realm="Asterisk REST Interface"';
const AUTH_REQUIRED_BODY = JSON.stringify({ message: 'Authentication required' });
const MAX_BODY_BYTES = 1024 * 1024;

export interface AriHttpDeps {
  credentialsAccepted(username: string, password: string): boolean;
  /** Records a request on arrival; the server fills in body and status as they become known. */
  record(entry: Pick<RecordedRequest, 'method' | 'path' | 'query' | 'kind'>): RecordedRequest;
  takeInjectedFailure(method: string, path: string): { status: number; message: string } | null;
  dispatch(input: RestInput): Promise<DispatchResult>;
  decideUpgrade(method: string, path: string, query: ReadonlyMap<string, string>): UpgradeDecision;
  addViolations(violations: readonly string[]): void;
  deliver(batch: EventBatch): void;
  acceptEventsSocket(socket: WebSocket, apps: readonly string[]): void;
  /** chan_websocket's /media/<connection id> (no authentication: the id is the secret). */
  decideMediaUpgrade(path: string, protocols: readonly string[]): MediaUpgradeDecision;
  acceptMediaSocket(channelId: string, socket: WebSocket): void;
  notifyChange(): void;
}

export class AriHttpServer {
  private server: Server | null = null;
  private readonly websocketServer = new WebSocketServer({ noServer: true, autoPong: false });
  /** Media websockets answer pings (res_http_websocket does) and agree on the `media` subprotocol. */
  private readonly mediaServer = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(MEDIA_SUBPROTOCOL) ? MEDIA_SUBPROTOCOL : false),
  });

  constructor(private readonly deps: AriHttpDeps) {}

  /** Listens on 127.0.0.1:`port` (0 = ephemeral); resolves with the bound port. */
  async listen(port: number): Promise<number> {
    const server = createServer((request, response) => void this.handleRequest(request, response));
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(request, socket, head));
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected server address');
    return address.port;
  }

  /** Stops listening and drops every HTTP connection (upgraded sockets are closed by their owner). */
  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  close(): void {
    this.websocketServer.close();
    this.mediaServer.close();
  }

  private async handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query = new Map(url.searchParams);
    const record = this.deps.record({ method, path: url.pathname, query: withoutApiKey(query), kind: 'rest' });
    const { body, bodyProblem, formParams } = await readBody(request);
    for (const [name, value] of formParams) query.set(name, value);
    record.query = withoutApiKey(query);
    record.body = body;
    let reply: RestReply;
    try {
      reply = await this.decideRest(request, method, url.pathname, query, body, bodyProblem);
    } catch (error) {
      this.deps.addViolations([`${method} ${url.pathname}: the ARI fake failed: ${String(error)}`]);
      reply = { status: 500, body: { message: 'ARI fake internal error' } };
    }
    record.status = reply.status;
    if (reply.events && reply.eventsBeforeReply) this.deps.deliver(reply.events);
    writeReply(response, reply);
    if (reply.events && !reply.eventsBeforeReply) this.deps.deliver(reply.events);
    this.deps.notifyChange();
  }

  private async decideRest(
    request: IncomingMessage,
    method: string,
    path: string,
    query: Map<string, string>,
    body: unknown,
    bodyProblem: string | null,
  ): Promise<RestReply> {
    if (!path.startsWith('/ari/')) {
      this.deps.addViolations([`${method} ${path}: not an ARI path`]);
      return { status: 404, body: { message: 'Resource not found' } };
    }
    if (!this.authenticated(request, query)) {
      return { status: 401, statusMessage: 'Unauthorized', body: JSON.parse(AUTH_REQUIRED_BODY), headers: { 'WWW-Authenticate': AUTH_REALM } };
    }
    const failure = this.deps.takeInjectedFailure(method, path);
    if (failure) return { status: failure.status, body: { message: failure.message } };
    const result = await this.deps.dispatch({ method, path, query, body, bodyProblem });
    this.deps.addViolations(result.violations);
    return result.reply;
  }

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query = new Map(url.searchParams);
    if (url.pathname.startsWith(MEDIA_PATH_PREFIX)) {
      this.handleMediaUpgrade(request, socket, head, url.pathname);
      return;
    }
    const record = this.deps.record({ method, path: url.pathname, query: withoutApiKey(query), kind: 'events-ws' });
    const refuse = (status: number, statusMessage: string, contentType: string, body: string, headers: string[] = []): void => {
      record.status = status;
      writeRawReply(socket, status, statusMessage, contentType, body, headers);
      this.deps.notifyChange();
    };
    if (!this.authenticated(request, query)) {
      refuse(401, 'Unauthorized', 'application/json', AUTH_REQUIRED_BODY, [`WWW-Authenticate: ${AUTH_REALM}`]);
      return;
    }
    const failure = this.deps.takeInjectedFailure(method, url.pathname);
    if (failure) {
      refuse(failure.status, STATUS_CODES[failure.status] ?? 'Error', 'application/json', JSON.stringify({ message: failure.message }));
      return;
    }
    const decision = this.deps.decideUpgrade(method, url.pathname, query);
    this.deps.addViolations(decision.violations);
    if (decision.kind === 'refuse') {
      refuse(decision.status, decision.statusMessage, decision.contentType, decision.body);
      return;
    }
    this.websocketServer.handleUpgrade(request, socket, head, (websocket) => {
      record.status = 101;
      this.deps.acceptEventsSocket(websocket, decision.apps);
    });
  }

  private handleMediaUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, path: string): void {
    const record = this.deps.record({ method: (request.method ?? 'GET').toUpperCase(), path, query: {}, kind: 'media-ws' });
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    const decision = this.deps.decideMediaUpgrade(path, offered);
    if (decision.kind === 'refuse') {
      record.status = decision.status;
      writeRawReply(socket, decision.status, decision.statusMessage, 'text/html', httpErrorPage(decision.status, decision.statusMessage, decision.body), []);
      this.deps.notifyChange();
      return;
    }
    this.mediaServer.handleUpgrade(request, socket, head, (websocket) => {
      record.status = 101;
      this.deps.acceptMediaSocket(decision.channelId, websocket);
    });
  }

  private authenticated(request: IncomingMessage, query: ReadonlyMap<string, string>): boolean {
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (basic) return this.checkPair(Buffer.from(basic[1]!, 'base64').toString('utf8'));
    const apiKey = query.get(API_KEY_PARAM);
    return apiKey === undefined ? false : this.checkPair(apiKey);
  }

  private checkPair(pair: string): boolean {
    const separator = pair.indexOf(':');
    if (separator < 0) return false;
    return this.deps.credentialsAccepted(pair.slice(0, separator), pair.slice(separator + 1));
  }
}

function withoutApiKey(query: ReadonlyMap<string, string>): Record<string, string> {
  const copy = Object.fromEntries(query);
  delete copy[API_KEY_PARAM];
  return copy;
}

async function readBody(request: IncomingMessage): Promise<{ body: unknown; bodyProblem: string | null; formParams: Map<string, string> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  const formParams = new Map<string, string>();
  if (size === 0) return { body: null, bodyProblem: null, formParams };
  if (size > MAX_BODY_BYTES) return { body: null, bodyProblem: 'request body too large', formParams };
  const text = Buffer.concat(chunks).toString('utf8');
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === 'application/json') {
    try {
      return { body: JSON.parse(text) as unknown, bodyProblem: null, formParams };
    } catch {
      return { body: null, bodyProblem: 'request body is not valid JSON', formParams };
    }
  }
  if (contentType === 'application/x-www-form-urlencoded') {
    for (const [name, value] of new URLSearchParams(text)) formParams.set(name, value);
    return { body: null, bodyProblem: null, formParams };
  }
  return { body: null, bodyProblem: `request body with content type '${contentType || 'none'}' (Asterisk ignores it)`, formParams };
}

function writeReply(response: ServerResponse, reply: RestReply): void {
  const headers: OutgoingHttpHeaders = { Server: SERVER_HEADER, 'Cache-Control': 'no-cache, no-store', ...reply.headers };
  const statusMessage = reply.statusMessage ?? STATUS_CODES[reply.status] ?? 'Unknown';
  if (reply.body === undefined) {
    response.writeHead(reply.status, statusMessage, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = Buffer.byteLength(text);
  response.writeHead(reply.status, statusMessage, headers);
  response.end(text);
}

/** ast_http_error()'s HTML page. */
function httpErrorPage(status: number, title: string, text: string): string {
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>${status} ${title}</title>\r\n</head><body>\r\n<h1>${title}</h1>\r\n<p>${text}</p>\r\n<hr />\r\n<address>Asterisk/${ASTERISK_VERSION}</address>\r\n</body></html>\r\n`;
}

/** Answers a refused upgrade on the raw socket, then closes it. */
function writeRawReply(socket: Duplex, status: number, statusMessage: string, contentType: string, body: string, extraHeaders: string[]): void {
  const head = [
    `HTTP/1.1 ${status} ${statusMessage}`,
    `Server: ${SERVER_HEADER}`,
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
    'Cache-Control: no-cache, no-store',
    ...extraHeaders,
    `Content-Type: ${contentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}
