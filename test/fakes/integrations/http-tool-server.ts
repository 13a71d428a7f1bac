// A business's HTTP tool service on 127.0.0.1: checks each request's
// Standard Webhooks signature with the tool's secret (refusing a bad one with
// 401), records it, and answers with the test's handler. `hold()` keeps the
// next requests waiting until released (a slow service; the caller should
// hear a filler meanwhile); a request the client gives up on (timeout) is
// seen as `aborted`.
import type http from 'node:http';
import type { WaitOptions } from '../../kit/wait.js';
import { SignedEndpoint, type SignedRequest } from './signed-endpoint.js';

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
  readonly #endpoint: SignedEndpoint;
  readonly requests: ToolRequest[] = [];
  #handler: ToolHandler = () => ({ body: { ok: true } });
  #held: Promise<void> | null = null;

  private constructor(endpoint: SignedEndpoint) {
    this.#endpoint = endpoint;
  }

  static async start(): Promise<FakeToolServer> {
    let fake: FakeToolServer | null = null;
    const endpoint = await SignedEndpoint.start((signed, request, response) => fake?.handle(signed, request, response) ?? Promise.resolve());
    fake = new FakeToolServer(endpoint);
    return fake;
  }

  get port(): number {
    return this.#endpoint.port;
  }

  url(path = '/tool'): string {
    return this.#endpoint.url(path);
  }

  useSecret(secret: string): void {
    this.#endpoint.useSecret(secret);
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
    return this.#endpoint.waitFor(read, options);
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }

  private async handle(signed: SignedRequest, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const { verified, body } = signed;
    const recorded: ToolRequest = { method: request.method ?? 'GET', url: request.url ?? '/', verified, body, json: signed.json as ToolRequest['json'], aborted: false, answered: false };
    this.requests.push(recorded);
    response.on('close', () => {
      if (!recorded.answered) {
        recorded.aborted = true;
        this.#endpoint.changed();
      }
    });
    this.#endpoint.changed();
    if (this.#held) await this.#held;
    if (response.destroyed) return;
    const answer: ToolAnswer = verified ? await this.#handler(recorded) : { status: 401, body: { error: 'bad signature' } };
    recorded.answered = true;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status ?? 200, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json' }).end(text);
    this.#endpoint.changed();
  }
}
