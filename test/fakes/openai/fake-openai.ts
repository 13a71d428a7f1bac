// A fake OpenAI API for integration tests and benchmarks, on 127.0.0.1, driven by the real
// `openai` SDK (`new OpenAI({ apiKey, baseURL: fake.baseURL })`).
//
// Reproduced from the real API:
// - Bearer authentication: a missing or wrong key gets 401 in OpenAI's error shape
//   ({"error":{"message","type","param","code"}}, code 'invalid_api_key', the key masked);
//   unknown paths 404 "Invalid URL (METHOD /path)".
// - POST /v1/chat/completions: the checks that reject a request before generation (model,
//   messages, tools, stream_options without stream, every assistant tool_call answered by a
//   tool message and no tool message without one), answered 400 invalid_request_error with the
//   real wording. `stream: true` answers text/event-stream chunks shaped like recorded ones
//   (role delta first, content in token-like pieces, tool calls with index/id/type/name first
//   and the arguments JSON string split across deltas, finish_reason 'stop' or 'tool_calls',
//   obfuscation padding unless stream_options.include_obfuscation=false, usage:null on each
//   chunk and a final usage chunk with choices:[] when stream_options.include_usage), then
//   `data: [DONE]`. Response headers come with the first chunk, as the real API's do.
//   Without `stream` one chat.completion JSON body.
// - POST /v1/audio/speech: 24 kHz mono PCM16 little-endian (`pcm`) or WAV, chunked.
// - POST /v1/audio/transcriptions: multipart/form-data checked as the API reference says
//   (transcription-route.ts); the text comes from the script.
// - GET /v1/models: the list of models (what a readiness probe asks).
// - Errors the SDK retries (429, 5xx) carry `retry-after-ms` when scripted to.
//
// Not reproduced (by design):
// - The model: replies come from the script (respond / queueReplies); token counts are estimates.
// - mp3/opus/aac/flac speech and `stream_format: 'sse'` (400, and reported in `violations`).
// - Rate-limit headers, organisations/projects, the Responses API, any other endpoint.

import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { nowMs, TimerSet } from '../deepgram/clock.js';
import { DEFAULT_MIN_SPEECH_MS, DEFAULT_MS_PER_CHARACTER } from '../deepgram/synthetic-voice.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitUntil } from '../../kit/wait.js';
import { handleChatCompletion } from './chat-route.js';
import { incorrectKey, invalidRequest, missingKey, notFound, sendError } from './openai-errors.js';
import type {
  ChatKnobs,
  ChatReply,
  ChatResponder,
  FakeOpenAIOptions,
  RecordedRequest,
  SpeechFailure,
  SpeechKnobs,
  TranscriptionFailure,
  TranscriptionKnobs,
  TranscriptionResponder,
} from './public-types.js';
import { handleTranscription } from './transcription-route.js';
import { sendModels } from './models-route.js';
import { handleSpeech } from './speech-route.js';

/** Default bound of waitFor(): every state change re-checks, so a longer wait is a failure. */
const WAIT_TIMEOUT_MS = 5_000;
const DEFAULT_API_KEY = 'sk-test-key';
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const DEFAULT_REPLY: ChatReply = { text: 'Hello! How can I help you today?' };

export const DEFAULT_CHAT_KNOBS: Readonly<ChatKnobs> = Object.freeze({ firstTokenLatencyMs: 0, interTokenDelayMs: 0 });
export const DEFAULT_SPEECH_KNOBS: Readonly<SpeechKnobs> = Object.freeze({
  firstByteLatencyMs: 0,
  realTimeFactor: 0,
  chunkMs: 20,
  msPerCharacter: DEFAULT_MS_PER_CHARACTER,
  minSpeechMs: DEFAULT_MIN_SPEECH_MS,
});

export const DEFAULT_TRANSCRIPTION_KNOBS: Readonly<TranscriptionKnobs> = Object.freeze({ latencyMs: 0 });
const TRANSCRIPTIONS_PATH = '/v1/audio/transcriptions';

export class FakeOpenAI {
  readonly apiKey: string;
  /** Requests the fake cannot answer faithfully; tests assert it stays []. */
  readonly violations: string[] = [];
  readonly chatKnobs: ChatKnobs;
  readonly speechKnobs: SpeechKnobs;
  readonly transcriptionKnobs: TranscriptionKnobs;

  private readonly changes = new EventEmitter();
  private readonly timers = new TimerSet();
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly recorded: RecordedRequest[] = [];
  private readonly replyQueue: ChatReply[] = [];
  private readonly speechFailures: SpeechFailure[] = [];
  private readonly transcriptionQueue: string[] = [];
  private readonly transcriptionFailures: TranscriptionFailure[] = [];
  private transcriptionOutage: TranscriptionFailure | null = null;
  private transcriber: TranscriptionResponder = () => '';
  private responder: ChatResponder = () => DEFAULT_REPLY;
  private outage: ChatReply | null = null;
  private listeningPort = 0;
  private closing: Promise<void> | null = null;

  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI(options);
    fake.listeningPort = await listenOnLoopback(fake.server);
    return fake;
  }

  private constructor(options: FakeOpenAIOptions) {
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY;
    this.chatKnobs = { ...DEFAULT_CHAT_KNOBS, ...options.chat };
    this.speechKnobs = { ...DEFAULT_SPEECH_KNOBS, ...options.speech };
    this.transcriptionKnobs = { ...DEFAULT_TRANSCRIPTION_KNOBS, ...options.transcription };
    this.changes.setMaxListeners(0);
    this.server = http.createServer((request, response) => this.onRequest(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** 'http://127.0.0.1:<port>/v1': pass as `baseURL` to `new OpenAI(...)`. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.listeningPort}/v1`;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Sets the scripted model; queued replies (queueReplies) are used first. */
  respond(responder: ChatResponder): void {
    this.responder = responder;
  }

  /**
   * While set, every chat request gets this reply (an error, a dropped or stalled stream):
   * the service is down. null ends the outage.
   */
  setChatOutage(failure: ChatReply | null): void {
    this.outage = failure;
  }

  /** Replies used in order, one per chat request, before the responder. */
  queueReplies(...replies: ChatReply[]): void {
    this.replyQueue.push(...replies);
  }

  setChatKnobs(knobs: Partial<ChatKnobs>): void {
    Object.assign(this.chatKnobs, knobs);
  }

  setSpeechKnobs(knobs: Partial<SpeechKnobs>): void {
    Object.assign(this.speechKnobs, knobs);
  }

  /** One-shot: the next speech request fails this way. */
  failNextSpeech(failure: SpeechFailure): void {
    this.speechFailures.push(failure);
  }

  /** Texts the next transcription requests answer, in order, before the transcriber. */
  queueTranscriptions(...texts: string[]): void {
    this.transcriptionQueue.push(...texts);
    this.notifyChange();
  }

  /** What every transcription request without a queued text answers (default ''). */
  transcribe(responder: TranscriptionResponder): void {
    this.transcriber = responder;
  }

  /** One-shot: the next transcription request fails this way. */
  failNextTranscription(failure: TranscriptionFailure): void {
    this.transcriptionFailures.push(failure);
  }

  /** While set, every transcription request fails this way (the server is down). null ends it. */
  setTranscriptionOutage(failure: TranscriptionFailure | null): void {
    this.transcriptionOutage = failure;
  }

  setTranscriptionKnobs(knobs: Partial<TranscriptionKnobs>): void {
    Object.assign(this.transcriptionKnobs, knobs);
  }

  transcriptionRequests(): RecordedRequest[] {
    return this.requests({ path: TRANSCRIPTIONS_PATH });
  }

  /** Every request received, in arrival order (unauthorised ones included). */
  requests(filter: { path?: string } = {}): RecordedRequest[] {
    return this.recorded.filter((record) => filter.path === undefined || record.path === filter.path);
  }

  chatRequests(): RecordedRequest[] {
    return this.requests({ path: '/v1/chat/completions' });
  }

  speechRequests(): RecordedRequest[] {
    return this.requests({ path: '/v1/audio/speech' });
  }

  waitFor(predicate: () => boolean, options: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    return waitUntil(predicate, { timeoutMs: WAIT_TIMEOUT_MS, ...options, what: `${options.what ?? 'a condition'} (FakeOpenAI)`, wakeOn: this.changes });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.timers.close();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    })();
    return this.closing;
  }

  private onRequest(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== 'authorization' && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const record: RecordedRequest = {
      seq: this.recorded.length + 1,
      receivedAtMs: nowMs(),
      method: request.method ?? 'GET',
      path: url.pathname,
      headers,
      body: null,
      status: null,
      outcome: 'pending',
      firstByteSentAtMs: null,
      lastByteSentAtMs: null,
      chunksSent: 0,
      audioBytesSent: 0,
    };
    this.recorded.push(record);
    readBody(request).then(
      (raw) => this.route(request, response, record, raw),
      () => response.destroy(),
    );
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse, record: RecordedRequest, raw: Buffer): Promise<void> {
    const requestId = `req_fake${String(record.seq).padStart(24, '0')}`;
    const fail = (error: Parameters<typeof sendError>[1]): void => {
      record.status = error.status;
      record.outcome = 'error';
      sendError(response, error, requestId);
      this.notifyChange();
    };
    const multipart = record.path === TRANSCRIPTIONS_PATH;
    if (raw.length > 0 && !multipart) {
      try {
        record.body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        record.body = null;
      }
    }
    const authorization = request.headers.authorization;
    const key = typeof authorization === 'string' && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : null;
    if (key === null || key.length === 0) return fail(missingKey());
    if (key !== this.apiKey) return fail(incorrectKey(key));
    const route = `${record.method} ${record.path}`;
    if (route === 'GET /v1/models') {
      record.status = 200;
      record.outcome = 'completed';
      sendModels(response, requestId);
      this.notifyChange();
      return;
    }
    if (route === `POST ${TRANSCRIPTIONS_PATH}`) {
      this.notifyChange();
      await handleTranscription(response, record, requestId, raw, request.headers['content-type'] ?? '', {
        takeFailure: () => this.transcriptionOutage ?? this.transcriptionFailures.shift() ?? null,
        text: async (view) => this.transcriptionQueue.shift() ?? (await this.transcriber(view)),
        latencyMs: () => this.transcriptionKnobs.latencyMs,
        violation: (message) => {
          this.violations.push(message);
          this.notifyChange();
        },
        timers: this.timers,
        changed: () => this.notifyChange(),
      });
      return;
    }
    if (route !== 'POST /v1/chat/completions' && route !== 'POST /v1/audio/speech') return fail(notFound(record.method, record.path));
    if (raw.length > 0 && record.body === null) {
      return fail(invalidRequest("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"));
    }
    this.notifyChange();
    const changed = (): void => this.notifyChange();
    if (record.path === '/v1/audio/speech') {
      handleSpeech(response, record, requestId, {
        knobs: this.speechKnobs,
        takeFailure: () => this.speechFailures.shift() ?? null,
        violation: (message) => {
          this.violations.push(message);
          changed();
        },
        timers: this.timers,
        changed,
      });
      return;
    }
    await handleChatCompletion(response, record, requestId, {
      knobs: this.chatKnobs,
      reply: async (view) => this.outage ?? this.replyQueue.shift() ?? (await this.responder(view)),
      timers: this.timers,
      changed,
    }).catch((error: unknown) => {
      this.violations.push(`chat #${record.seq}: the responder threw: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) fail({ status: 500, message: 'The responder of the fake threw.', type: 'server_error', param: null, code: null });
    });
  }

  private notifyChange(): void {
    this.changes.emit('change');
  }
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    request.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      parts.push(part);
    });
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}
