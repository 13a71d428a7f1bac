// The backend's internal API as the gateway sees it (media/contract/backend.ts),
// on 127.0.0.1: it checks the bearer token and every body against the
// contract, records turns, failures and actions, and answers actions as the
// test says (by default: done).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionResult, CallAction, FailureReport, TurnReport } from '../../../media/contract/backend.js';
import { bearer } from '../../../media/contract/sessions.js';

export const BACKEND_TOKEN = 'test-gateway-token-0123456789';

export interface RecordedAction {
  readonly action: CallAction;
  readonly atMs: number;
}

export class TestBackend {
  readonly turns = new Map<number, TurnReport>();
  readonly failures: FailureReport[] = [];
  readonly actions: RecordedAction[] = [];
  /** Bodies that broke the contract (the test expects none). */
  readonly violations: string[] = [];
  /** How actions are answered; a test replaces it. */
  answer: (action: CallAction) => ActionResult | Promise<ActionResult> = () => ({ ok: true, message: null });
  readonly #server: http.Server;

  private constructor() {
    this.#server = http.createServer((request, response) => void this.#handle(request, response));
  }

  static async start(): Promise<TestBackend> {
    const backend = new TestBackend();
    await new Promise<void>((resolve) => backend.#server.listen(0, '127.0.0.1', resolve));
    return backend;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Turns in seq order. */
  orderedTurns(): TurnReport[] {
    return [...this.turns.values()].sort((a, b) => a.seq - b.seq);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.headers.authorization !== bearer(BACKEND_TOKEN)) {
      response.writeHead(401).end();
      return;
    }
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
    const kind = /\/internal\/calls\/[^/]+\/(turns|failures|actions)$/.exec(request.url ?? '')?.[1];
    if (kind === 'turns') {
      const turn = this.#parse(TurnReport, body, 'turn');
      if (turn) this.turns.set(turn.seq, turn);
      response.writeHead(204).end();
    } else if (kind === 'failures') {
      const failure = this.#parse(FailureReport, body, 'failure');
      if (failure) this.failures.push(failure);
      response.writeHead(204).end();
    } else if (kind === 'actions') {
      const action = this.#parse(CallAction, body, 'action');
      if (!action) {
        response.writeHead(400).end();
        return;
      }
      this.actions.push({ action, atMs: performance.now() });
      const result = ActionResult.parse(await this.answer(action));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } else {
      response.writeHead(404).end();
    }
  }

  #parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, body: unknown, what: string): T | null {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    this.violations.push(`${what}: ${parsed.error.message}`);
    return null;
  }
}
