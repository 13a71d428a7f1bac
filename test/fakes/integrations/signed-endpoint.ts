// The HTTP server under the integration fakes: a port on 127.0.0.1, the
// endpoint's Standard Webhooks secret, each request read and its signature
// checked with media/contract/standard-webhooks.ts (the function the README's
// receiver snippet shows), and a change signal the fakes' waits wake on.
import http from 'node:http';
import { EventEmitter } from 'node:events';
import { verifySignature, WEBHOOK_HEADERS } from '../../../media/contract/standard-webhooks.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitFor, type WaitOptions } from '../../kit/wait.js';
import { closeServer, header, readBody } from './http-body.js';

export interface SignedRequest {
  readonly headers: { readonly id: string | undefined; readonly timestamp: string | undefined; readonly signature: string | undefined };
  readonly body: string;
  /** The signature verified with the endpoint's secret (and the timestamp was recent). */
  readonly verified: boolean;
  /** The parsed body, or null when it is empty or not JSON. */
  readonly json: unknown;
}

export type SignedHandler = (signed: SignedRequest, request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>;

export class SignedEndpoint {
  readonly #server: http.Server;
  readonly #changes = new EventEmitter();
  #secret: string | null = null;
  readonly port: number;

  private constructor(server: http.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(handle: SignedHandler): Promise<SignedEndpoint> {
    let endpoint: SignedEndpoint | null = null;
    const server = http.createServer((request, response) => {
      if (endpoint) void endpoint.#read(request).then((signed) => handle(signed, request, response));
    });
    endpoint = new SignedEndpoint(server, await listenOnLoopback(server));
    return endpoint;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The endpoint's signing secret (whsec_...): requests that do not verify with it are refused. */
  useSecret(secret: string): void {
    this.#secret = secret;
  }

  /** Wakes the waits: the fake recorded or answered something. */
  changed(): void {
    this.#changes.emit('change');
  }

  waitFor<T>(read: () => T | null | undefined, options: WaitOptions = {}): Promise<T> {
    return waitFor(read, { wakeOn: this.#changes, ...options });
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }

  async #read(request: http.IncomingMessage): Promise<SignedRequest> {
    const body = await readBody(request);
    const headers = {
      id: header(request, WEBHOOK_HEADERS.id),
      timestamp: header(request, WEBHOOK_HEADERS.timestamp),
      signature: header(request, WEBHOOK_HEADERS.signature),
    };
    const verified = this.#secret !== null && verifySignature(this.#secret, headers, body).ok;
    return { headers, body, verified, json: parseJson(body) };
  }
}

function parseJson(body: string): unknown {
  if (body === '') return null;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}
