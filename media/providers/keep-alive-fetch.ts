// The fetch the OpenAI SDK uses: node:http(s) over one keep-alive agent per
// client, so every turn's request goes out on a connection that is already
// open.
//
// Why not the platform's fetch: its pool closes a connection after 4 s idle,
// and a caller's turn plus the agent's answer last longer than that, so each
// turn opened a new connection (a TCP and TLS handshake to the vendor, tens of
// ms, before the request could leave); and the request itself costs about a
// millisecond more of the event loop than node:http's. Here an idle connection
// stays open up to IDLE_CONNECTION_MS, or 1 s less than the server's
// Keep-Alive hint when it gives a shorter one (Node's agent reads the hint only
// when it has a timeout of its own); a request that meets a connection the
// server has just closed fails as a connection error before any output, which
// the providers ask again (provider-timing.ts).
//
// What the SDK relies on, kept as the platform's fetch does it:
// - an abort through init.signal rejects, or ends the body, with an
//   AbortError (the SDK ends a stream quietly on it);
// - a connection lost before the response is a TypeError('fetch failed'), one
//   lost mid-body a TypeError('terminated') (openai-connection.ts maps both
//   to a retryable connection failure);
// - bodies other than a string or bytes (multipart uploads) go through the
//   platform's fetch unchanged.
import http from 'node:http';
import https from 'node:https';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** An idle connection is closed after this long: longer than a caller's turn and the answer, by far. */
const IDLE_CONNECTION_MS = 120_000;

/** Statuses whose response has no body (a Response must be built without one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export interface KeepAliveFetch {
  readonly fetch: Fetch;
  /** Closes the idle connections (in-flight requests finish on theirs). */
  close(): void;
}

export function createKeepAliveFetch(): KeepAliveFetch {
  // LIFO: the most recently used connection is the one least likely to have been closed by the server.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_CONNECTION_MS }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_CONNECTION_MS }),
  };
  const fetchOverAgent: Fetch = (input, init) => {
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
    return request(url, init ?? {}, body ?? null, url.protocol === 'https:' ? agents['https:'] : agents['http:']);
  };
  return {
    fetch: fetchOverAgent,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function request(url: URL, init: RequestInit, body: string | Uint8Array | null, agent: http.Agent): Promise<Response> {
  const signal = init.signal ?? null;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const method = (init.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  if (body !== null && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    let responded = false;
    const req = transport.request(url, { method, headers, agent }, (res) => {
      responded = true;
      const status = res.statusCode ?? 0;
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
        res.resume();
        resolve(new Response(null, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        return;
      }
      resolve(new Response(bodyStream(res, signal), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
    });
    const onAbort = (): void => {
      req.destroy(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.on('error', (error) => {
      if (responded) return;
      reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: error }));
    });
    req.end(body ?? undefined);
  });
}

/** The response body as a web stream, paced by its reader (the socket pauses while it is full). */
function bodyStream(res: http.IncomingMessage, signal: AbortSignal | null): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) res.pause();
      });
      res.on('end', () => {
        if (done) return;
        done = true;
        controller.close();
      });
      // 'close' without 'end': the connection was lost, or the request aborted, mid-body.
      res.on('close', () => {
        if (done) return;
        done = true;
        controller.error(signal?.aborted ? abortError(signal) : new TypeError('terminated', { cause: res.errored ?? undefined }));
      });
      res.on('error', () => {
        // 'close' follows and reports it.
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      done = true;
      res.destroy();
    },
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}
