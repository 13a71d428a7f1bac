// A business's webhook endpoint on 127.0.0.1, as a careful receiver writes
// it: every request's Standard Webhooks signature is checked against the
// endpoint's secret (media/contract/standard-webhooks.ts, the same function
// the README's snippet shows), and a request that does not verify is
// answered 401. `failNext(n)` answers the next n requests 500 (or another
// status) so tests see the sender retry. Every request is recorded.
import type http from 'node:http';
import type { WaitOptions } from '../../kit/wait.js';
import { SignedEndpoint, type SignedRequest } from './signed-endpoint.js';

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
  readonly #endpoint: SignedEndpoint;
  readonly received: ReceivedWebhook[] = [];
  #failures: { count: number; status: number } = { count: 0, status: 500 };

  private constructor(endpoint: SignedEndpoint) {
    this.#endpoint = endpoint;
  }

  static async start(): Promise<FakeWebhookReceiver> {
    let receiver: FakeWebhookReceiver | null = null;
    const endpoint = await SignedEndpoint.start((signed, _request, response) => {
      receiver?.handle(signed, response);
      return Promise.resolve();
    });
    receiver = new FakeWebhookReceiver(endpoint);
    return receiver;
  }

  get port(): number {
    return this.#endpoint.port;
  }

  get url(): string {
    return this.#endpoint.url('/hooks');
  }

  /** The endpoint's signing secret (whsec_...): requests that do not verify with it are refused. */
  useSecret(secret: string): void {
    this.#endpoint.useSecret(secret);
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
    return this.#endpoint.waitFor(read, options);
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }

  private handle(signed: SignedRequest, response: http.ServerResponse): void {
    const { headers, verified, body } = signed;
    let status = verified ? 204 : 401;
    if (this.#failures.count > 0) {
      this.#failures.count -= 1;
      status = this.#failures.status;
    }
    this.received.push({ ...headers, verified, body, json: signed.json as ReceivedWebhook['json'], status, receivedAt: Date.now() });
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 204 ? undefined : `answered ${status}`);
    this.#endpoint.changed();
  }
}
