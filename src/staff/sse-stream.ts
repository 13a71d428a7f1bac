// One server-sent events response (HTML Living Standard, "Server-sent events"):
// `event:`/`data:` blocks separated by a blank line, `:` comment lines as
// heartbeats so proxies do not close an idle stream. A client that stops
// reading is dropped once too much is buffered for it; it reconnects and gets
// a fresh snapshot.
import type { ServerResponse } from 'node:http';

const MAX_BUFFERED_BYTES = 1024 * 1024;
const CLIENT_RETRY_MS = 3_000;

export class SseStream {
  private closed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly response: ServerResponse) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx: pass events through instead of buffering them.
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${CLIENT_RETRY_MS}\n\n`);
    response.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `cleanup` when the stream closes (client gone, or close()). */
  onClose(cleanup: () => void): void {
    if (this.closed) cleanup();
    else this.cleanups.push(cleanup);
  }

  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.response.writableEnded) this.response.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.close();
      return;
    }
    this.response.write(chunk);
  }
}
