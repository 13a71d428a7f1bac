// Helpers for tests of the staff console API and the admin API: accounts in
// the database, and an HTTP client that behaves like a browser (keeps the
// session cookie, sends the CSRF token when told to).
import type { PrismaClient } from '../../src/db/index.js';
import { hashPassword, type ScryptParams } from '../../src/staff/password-hash.js';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export interface StaffAccount {
  id: string;
  businessId: string;
  email: string;
  password: string;
  role: 'staff' | 'manager';
}

/**
 * The scrypt cost of accounts made by `createStaffAccount`: the hash carries its
 * parameters and sign-in verifies with the stored ones, so a test account signs in
 * in about a millisecond instead of the product's ~100 ms (N=32768) of CPU, which
 * matrices of sign-ins would pay hundreds of times. Accounts made through the
 * product (admin API, CLI, password change) keep the product's cost, and tests of
 * those paths assert it.
 */
export const TEST_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 1024, r: 8, p: 1 });

export async function createStaffAccount(
  prisma: PrismaClient,
  businessId: string,
  fields: { email: string; password?: string; role?: 'staff' | 'manager'; displayName?: string; scrypt?: ScryptParams },
): Promise<StaffAccount> {
  const password = fields.password ?? 'correct horse battery staple';
  const role = fields.role ?? 'staff';
  const user = await prisma.staffUser.create({
    data: {
      businessId,
      email: fields.email.toLowerCase(),
      displayName: fields.displayName ?? fields.email.split('@')[0]!,
      role,
      passwordHash: await hashPassword(password, fields.scrypt ?? TEST_SCRYPT_PARAMS),
    },
  });
  return { id: user.id, businessId, email: user.email, password, role };
}

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text ('' for none). */
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the session's CSRF token (default: true for changes). */
  csrf?: boolean;
}

async function readAnswer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('application/json');
  return { status: response.status, headers: response.headers, body: json && text !== '' ? (JSON.parse(text) as unknown) : text };
}

/** A browser-like client of the staff API. */
export class StaffClient {
  cookie: string | null = null;
  csrfToken: string | null = null;

  constructor(private readonly baseUrl: string) {}

  async login(email: string, password: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const answer = await this.request('POST', '/api/session', { body: { email, password }, headers, csrf: false });
    if (answer.status === 200) this.csrfToken = (answer.body as { csrfToken: string }).csrfToken;
    return answer;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const sendCsrf = options.csrf ?? !['GET', 'HEAD'].includes(method);
    if (sendCsrf && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      if (!pair?.startsWith('sid=')) continue;
      this.cookie = /Max-Age=0/i.test(setCookie) ? null : pair;
    }
    return readAnswer(response);
  }

  /** Raw bytes (recordings). */
  async bytes(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: { ...headers, ...(this.cookie ? { cookie: this.cookie } : {}) } });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  }
}

/** A request to the admin API with the operator token (or `authorization` as given; null: none). */
export async function adminRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  authorization: string | null = `Bearer ${OPERATOR_TOKEN}`,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return readAnswer(response);
}

/** Inserts a finished call of `businessId` directly (no ARI): the staff API reads rows, not calls. */
export async function insertCall(
  prisma: PrismaClient,
  businessId: string | null,
  fields: {
    createdAt: Date;
    from?: string | null;
    to?: string;
    status?: 'completed' | 'failed' | 'abandoned' | 'transferred' | 'interrupted' | 'unrouted' | 'answered' | 'ringing';
    direction?: 'inbound' | 'outbound';
    recordingPath?: string | null;
    turns?: string[];
  },
): Promise<string> {
  const channelId = `test-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const call = await prisma.callLog.create({
    data: {
      businessId,
      channelId,
      direction: fields.direction ?? 'inbound',
      fromNumber: fields.from === undefined ? '+15551230000' : fields.from,
      toNumber: fields.to ?? '+19863334949',
      status: fields.status ?? 'completed',
      createdAt: fields.createdAt,
      answeredAt: fields.createdAt,
      endedAt: new Date(fields.createdAt.getTime() + 60_000),
      durationMs: 60_000,
      hangupCause: 'caller_hangup',
      recordingPath: fields.recordingPath ?? null,
      turns: {
        create: (fields.turns ?? []).map((text, seq) => ({
          seq,
          role: seq % 2 === 0 ? ('agent' as const) : ('caller' as const),
          text,
          startedAt: new Date(fields.createdAt.getTime() + seq * 5_000),
          endedAt: new Date(fields.createdAt.getTime() + seq * 5_000 + 4_000),
        })),
      },
    },
  });
  return call.id;
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** A reader of a text/event-stream answer: parsed events and comment lines as they arrive. */
export interface EventStreamReader {
  readonly status: number;
  readonly contentType: string | null;
  readonly events: SseEvent[];
  readonly comments: string[];
  /** True once the server ended the stream. */
  readonly ended: boolean;
  close(): void;
}

export async function openEventStream(url: string, cookie: string | null): Promise<EventStreamReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: cookie ? { cookie } : {}, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const state = { ended: false };
  if (response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('event: ')) event = line.slice('event: '.length);
              else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
            }
            if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
          }
        }
      } catch {
        // aborted by close()
      } finally {
        state.ended = true;
      }
    })();
  } else {
    state.ended = true;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments,
    get ended() {
      return state.ended;
    },
    close: () => controller.abort(),
  };
}
