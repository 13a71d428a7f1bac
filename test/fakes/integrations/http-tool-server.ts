// A business's HTTP tool service on 127.0.0.1: checks each request's
// Standard Webhooks signature with the tool's secret (refusing a bad one with
// 401), records it, and answers with the test's handler. `hold()` keeps the
// next requests waiting until released (a slow service; the caller should
// hear a filler meanwhile); a request the client gives up on (timeout) is
// seen as `aborted`.
import http from 'node:http';
import { EventEmitter } from 'node:events';
import { verifySignature, WEBHOOK_HEADERS } from '../../../media/contract/standard-webhooks.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitFor, type WaitOptions } from '../../kit/wait.js';
import { closeServer, header, readBody } from './http-body.js';

export interface ToolRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly verified: boolean;
  readonly body: string;
  readonly json: { version?: number; tool?: string; arguments?: Record<string, unknown>; call?: { id?: string; from?: string | null; to?: string } } | null;
  /** The client closed the connection before the answer (it timed out, or was cancelled). */
  aborted: boolean;
  answered: boolean;
}

export interface ToolAnswer {
  readonly status?: number;
  /** JSON-encoded unless a string. */
  readonly body: unknown;
}

export type ToolHandler = (request: ToolRequest) => ToolAnswer | Promise<ToolAnswer>;

export class FakeToolServer {
  readonly #server: http.Server;
  readonly #changes = new EventEmitter();
  readonly requests: ToolRequest[] = [];
  #secret: string | null = null;
  #handler: ToolHandler = () => ({ body: { ok: true } });
  #held: Promise<void> | null = null;
  readonly port: number;

  private constructor(server: http.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(): Promise<FakeToolServer> {
    let fake: FakeToolServer | null = null;
    const server = http.createServer((request, response) => {
      void fake?.handle(request, response);
    });
    const port = await listenOnLoopback(server);
    fake = new FakeToolServer(server, port);
    return fake;
  }

  url(path = '/tool'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  useSecret(secret: string): void {
    this.#secret = secret;
  }

  respond(handler: ToolHandler): void {
    this.#handler = handler;
  }

  /** Requests wait (after being recorded) until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.#held = new Promise<void>((resolve) => {
      release = () => {
        this.#held = null;
        resolve();
      };
    });
    return release;
  }

  waitFor<T>(read: () => T | null | undefined, options: WaitOptions = {}): Promise<T> {
    return waitFor(read, { wakeOn: this.#changes, ...options });
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readBody(request);
    const verified =
      this.#secret !== null &&
      verifySignature(
        this.#secret,
        { id: header(request, WEBHOOK_HEADERS.id), timestamp: header(request, WEBHOOK_HEADERS.timestamp), signature: header(request, WEBHOOK_HEADERS.signature) },
        body,
      ).ok;
    let json: ToolRequest['json'];
    try {
      json = body === '' ? null : (JSON.parse(body) as ToolRequest['json']);
    } catch {
      json = null;
    }
    const recorded: ToolRequest = { method: request.method ?? 'GET', url: request.url ?? '/', verified, body, json, aborted: false, answered: false };
    this.requests.push(recorded);
    response.on('close', () => {
      if (!recorded.answered) {
        recorded.aborted = true;
        this.#changes.emit('change');
      }
    });
    this.#changes.emit('change');
    if (this.#held) await this.#held;
    if (response.destroyed) return;
    const answer: ToolAnswer = verified ? await this.#handler(recorded) : { status: 401, body: { error: 'bad signature' } };
    recorded.answered = true;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status ?? 200, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json' }).end(text);
    this.#changes.emit('change');
  }
}
