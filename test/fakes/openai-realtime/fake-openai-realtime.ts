// A fake of OpenAI's Realtime API (speech to speech over WebSocket, GA event
// names) on 127.0.0.1, for the real `openai` SDK's realtime client
// (`openai/realtime/ws`) and any other client of the wire protocol.
//
// Reproduced from the real API:
// - GET /v1/realtime?model=<model> upgraded to a WebSocket; Bearer
//   authentication checked before the upgrade (401 in OpenAI's error shape,
//   the key masked); a missing model is refused with 400.
// - session.created on connect; session.update merged into the session and
//   answered with session.updated (the voice cannot change once the assistant
//   spoke).
// - Every client event validated against the published schema
//   (client-events.ts); a refused event is answered with an `error` event
//   (invalid_request_error, code/message/param as the API words them, the
//   client's event_id) and changes nothing. Truncating beyond the audio sent,
//   cancelling without an active response, a second response while one is
//   active, committing less than 100 ms: refused as the API refuses them.
// - Input audio in pcm16 24 kHz, G.711 mu-law or A-law; the server VAD
//   (server_vad, semantic_vad) on audio time: speech_started with
//   audio_start_ms (prefix padding included), speech_stopped with audio_end_ms
//   (the silence waited for included), committed, the user item, an automatic
//   response when create_response, the response cancelled when
//   interrupt_response; input transcription (scripted) when configured.
// - Responses: response.created, output item and content part, transcript
//   deltas ahead of audio deltas, the .done events, function calls with their
//   argument deltas, response.done with status completed / cancelled /
//   failed and usage.
//
// Not reproduced (by design): the model (replies come from the script:
// respond / queueReplies), real speech (a synthetic voice), token counts,
// rate limits, WebRTC/SIP, MCP tools, images.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { nowMs, TimerSet } from '../deepgram/clock.js';
import { toBuffer } from '../deepgram/handshake.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitUntil } from '../../kit/wait.js';
import type { ConnectionRecord, FakeOpenAiRealtimeOptions, RealtimeKnobs, RealtimeReply, RealtimeResponder, ResponseFailure } from './public-types.js';
import { RealtimeSession } from './realtime-session.js';
import { sendModels } from '../openai/models-route.js';

const DEFAULT_API_KEY = 'sk-test-key';
const WAIT_TIMEOUT_MS = 5_000;
const DEFAULT_REPLY: RealtimeReply = { text: 'Sure, I can help with that.' };
const DEFAULT_TRANSCRIPT = 'Hello.';

export const DEFAULT_REALTIME_KNOBS: Readonly<RealtimeKnobs> = Object.freeze({
  firstAudioDelayMs: 0,
  chunkMs: 100,
  realTimeFactor: 0,
  msPerCharacter: 65,
  transcriptionDelayMs: 0,
  vadThresholdRms: 500,
  vadOnsetMs: 60,
});

export class FakeOpenAiRealtime {
  readonly apiKey: string;
  readonly knobs: RealtimeKnobs;
  readonly connections: ConnectionRecord[] = [];
  /** Handshakes refused (bad key, no model, a scripted refusal): their HTTP status. */
  readonly refusedHandshakes: number[] = [];

  private readonly changes = new EventEmitter();
  private readonly timers = new TimerSet();
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly open = new Set<WebSocket>();
  private readonly replies: RealtimeReply[] = [];
  private readonly failures: ResponseFailure[] = [];
  private readonly transcripts: string[] = [];
  private readonly refusals: number[] = [];
  private down: number | null = null;
  private responder: RealtimeResponder = () => DEFAULT_REPLY;
  private port = 0;
  private closing: Promise<void> | null = null;

  static async start(options: FakeOpenAiRealtimeOptions = {}): Promise<FakeOpenAiRealtime> {
    const fake = new FakeOpenAiRealtime(options);
    fake.port = await listenOnLoopback(fake.server);
    return fake;
  }

  private constructor(options: FakeOpenAiRealtimeOptions) {
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY;
    this.knobs = { ...DEFAULT_REALTIME_KNOBS, ...options.knobs };
    this.changes.setMaxListeners(0);
    // GET /v1/models answers as the chat fake's does: a gateway's readiness probe asks it.
    this.server = http.createServer((request, response) => {
      const key = /^bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
      if (request.method === 'GET' && request.url === '/v1/models' && key === this.apiKey) return sendModels(response, 'req_fake_models');
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `Invalid URL (${request.method ?? 'GET'} ${request.url ?? '/'})`, type: 'invalid_request_error', param: null, code: null } }));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (request, socket, head) => this.onUpgrade(request, socket as Socket, head));
  }

  /** 'http://127.0.0.1:<port>/v1': the `baseURL` of `new OpenAI(...)`. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  respond(responder: RealtimeResponder): void {
    this.responder = responder;
  }

  /** Replies used in order, one per response, before the responder. */
  queueReplies(...replies: RealtimeReply[]): void {
    this.replies.push(...replies);
  }

  /** What the caller "said": the transcripts of the next committed user audio items, in order. */
  queueTranscripts(...texts: string[]): void {
    this.transcripts.push(...texts);
  }

  /** One-shot: the next response fails this way. */
  failNextResponse(failure: ResponseFailure): void {
    this.failures.push(failure);
  }

  /** One-shot: the next handshake is refused with this HTTP status. */
  refuseNextConnection(status: number): void {
    this.refusals.push(status);
  }

  /** Every handshake from now on is refused with this HTTP status (a server that stays down); null: up again. */
  refuseConnections(status: number | null): void {
    this.down = status;
  }

  setKnobs(knobs: Partial<RealtimeKnobs>): void {
    Object.assign(this.knobs, knobs);
  }

  /** Drops every open connection (TCP reset, no close frame): a network failure. */
  dropConnections(): void {
    for (const ws of this.open) ws.terminate();
  }

  waitFor(predicate: () => boolean, options: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    return waitUntil(predicate, { timeoutMs: WAIT_TIMEOUT_MS, ...options, what: `${options.what ?? 'a condition'} (FakeOpenAiRealtime)`, wakeOn: this.changes });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.timers.clearAll();
      for (const ws of this.open) ws.terminate();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      this.wss.close();
      await closed;
    })();
    return this.closing;
  }

  private onUpgrade(request: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const authorization = request.headers.authorization;
    const key = typeof authorization === 'string' && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : '';
    const refuse = (status: number, message: string, code: string | null): void => {
      this.refusedHandshakes.push(status);
      const body = JSON.stringify({ error: { message, type: 'invalid_request_error', code, param: null } });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      this.changes.emit('change');
    };
    if (url.pathname !== '/v1/realtime') return refuse(404, `Invalid URL (GET ${url.pathname})`, null);
    if (key === '') return refuse(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null);
    if (key !== this.apiKey) return refuse(401, `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key');
    const model = url.searchParams.get('model');
    if (!model) return refuse(400, "Missing required parameter: 'model'.", 'missing_required_parameter');
    const scripted = this.refusals.shift() ?? this.down ?? undefined;
    if (scripted !== undefined) return refuse(scripted, 'The server is overloaded. Please try again later.', null);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, request, model));
  }

  private onConnection(ws: WebSocket, request: http.IncomingMessage, model: string): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (name !== 'authorization' && typeof value === 'string') headers[name] = value;
    const record: ConnectionRecord = {
      seq: this.connections.length + 1,
      model,
      openedAtMs: nowMs(),
      closedAtMs: null,
      headers,
      session: {},
      clientEvents: [],
      errors: [],
      responses: [],
      truncations: [],
      inputAudioMs: 0,
      serverEventTypes: [],
    };
    this.connections.push(record);
    this.open.add(ws);
    const changed = (): void => void this.changes.emit('change');
    const session = new RealtimeSession(
      {
        record,
        knobs: this.knobs,
        timers: this.timers,
        responder: () => (view) => this.replies.shift() ?? this.responder(view),
        takeFailure: () => this.failures.shift() ?? null,
        takeTranscript: () => this.transcripts.shift() ?? DEFAULT_TRANSCRIPT,
        send: (event) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
        },
        terminate: () => ws.terminate(),
        changed,
      },
      model,
    );
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      session.onMessage(toBuffer(data).toString('utf8'));
    });
    ws.on('close', () => {
      session.close();
      record.closedAtMs = nowMs();
      this.open.delete(ws);
      changed();
    });
    ws.on('error', () => ws.terminate());
    changed();
  }
}
