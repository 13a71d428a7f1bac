// A business's webhook endpoint on 127.0.0.1, as a careful receiver writes
// it: every request's Standard Webhooks signature is checked against the
// endpoint's secret (media/contract/standard-webhooks.ts, the same function
// the README's snippet shows), and a request that does not verify is
// answered 401. `failNext(n)` answers the next n requests 500 (or another
// status) so tests see the sender retry. Every request is recorded.
import http from 'node:http';
import { EventEmitter } from 'node:events';
import { verifySignature, WEBHOOK_HEADERS } from '../../../media/contract/standard-webhooks.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitFor, type WaitOptions } from '../../kit/wait.js';
import { closeServer, header, readBody } from './http-body.js';

export interface ReceivedWebhook {
  readonly id: string | undefined;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  /** The signature verified with the receiver's secret (and the timestamp was recent). */
  readonly verified: boolean;
  readonly body: string;
  /** The parsed body, when it was JSON. */
  readonly json: { version?: number; id?: string; type?: string; timestamp?: string; businessId?: string; data?: Record<string, unknown> } | null;
  /** What the receiver answered. */
  readonly status: number;
  readonly receivedAt: number;
}

export class FakeWebhookReceiver {
  readonly #server: http.Server;
  readonly #changes = new EventEmitter();
  readonly received: ReceivedWebhook[] = [];
  #secret: string | null = null;
  #failures: { count: number; status: number } = { count: 0, status: 500 };
  readonly port: number;

  private constructor(server: http.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(): Promise<FakeWebhookReceiver> {
    let receiver: FakeWebhookReceiver | null = null;
    const server = http.createServer((request, response) => {
      void receiver?.handle(request, response);
    });
    const port = await listenOnLoopback(server);
    receiver = new FakeWebhookReceiver(server, port);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The endpoint's signing secret (whsec_...): requests that do not verify with it are refused. */
  useSecret(secret: string): void {
    this.#secret = secret;
  }

  /** The next `count` requests are answered `status` (default 500) whatever they carry. */
  failNext(count: number, status = 500): void {
    this.#failures = { count, status };
  }

  /** Requests that verified and were answered 2xx. */
  accepted(): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.verified && hook.status < 300);
  }

  waitFor<T>(read: () => T | null | undefined, options: WaitOptions = {}): Promise<T> {
    return waitFor(read, { wakeOn: this.#changes, ...options });
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readBody(request);
    const headers = {
      id: header(request, WEBHOOK_HEADERS.id),
      timestamp: header(request, WEBHOOK_HEADERS.timestamp),
      signature: header(request, WEBHOOK_HEADERS.signature),
    };
    const verified = this.#secret !== null && verifySignature(this.#secret, headers, body).ok;
    let status = verified ? 204 : 401;
    if (this.#failures.count > 0) {
      this.#failures.count -= 1;
      status = this.#failures.status;
    }
    let json: ReceivedWebhook['json'];
    try {
      json = JSON.parse(body) as ReceivedWebhook['json'];
    } catch {
      json = null;
    }
    this.received.push({ ...headers, verified, body, json, status, receivedAt: Date.now() });
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 204 ? undefined : `answered ${status}`);
    this.#changes.emit('change');
  }
}
