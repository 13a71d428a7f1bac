// A fake Deepgram for integration tests and benchmarks, on 127.0.0.1, driven by the real
// @deepgram/sdk: live transcription (/v1/listen) and Aura streaming TTS (/v1/speak).
//
// Reproduced from the real service:
// - Handshake: `Authorization: Token <key>` (or the browser subprotocol pair `token, <key>`);
//   a wrong or missing key is refused before the upgrade with 401
//   {"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":..}; bad query values
//   with 400 INVALID_QUERY_PARAMETER. The SDK reports either as an ErrorEvent
//   "Unexpected server response: <status>" (it cannot read the body).
// - /v1/listen: binary audio (linear16 little-endian, mulaw, alaw) and the text messages
//   KeepAlive, Finalize, CloseStream; Results (interim and final, speech_final, from_finalize,
//   word timings on the stream's audio time, result segments that tile the stream),
//   SpeechStarted (vad_events), UtteranceEnd (utterance_end_ms), Metadata before a server close;
//   endpointing measured on audio time, so audio sent faster than real time behaves like audio sent
//   at real time; the 10 s no-audio timeout (close 1011 NET-0001, after Metadata); CloseStream
//   finalizes, sends Metadata and closes 1000; an empty binary frame counts as CloseStream.
// - /v1/speak: Metadata at open; Speak texts buffered until Flush; binary audio in the requested
//   encoding and rate, then Flushed {sequence_id} (0, 1, 2...); Clear stops the audio at once and
//   answers Cleared; Close closes at once (1000); a Warning past 20 Flushes per 60 s.
// - REST GET /v1/projects (what a readiness probe asks), with the same key check (rest-routes.ts).
//
// Not reproduced (by design):
// - Recognition: speech is found by an energy detector and the words come from the script
//   (queueTranscripts), verbatim; a final with an empty script carries an empty transcript.
//   Long utterances are not split into several is_final segments; with endpointing=false finals
//   come only from UtteranceEnd, Finalize or CloseStream.
// - Containerised audio (no `encoding`) and multichannel audio are accepted but not recognised;
//   they are reported in `violations`.
// - Synthesis: the audio is the deterministic synthetic voice (synthetic-voice.ts), not speech.
//   Speak texts over 2000 characters are not refused; the Warning code string is the fake's own.
// - Rate limits, concurrency limits, other REST endpoints (prerecorded, /v1/speak POST), Flux (v2).

import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { nowMs, TimerSet } from './clock.js';
import { INVALID_AUTH, presentedKey, queryRecord, refusalFor, refuseUpgrade, type HandshakeRefusal } from './handshake.js';
import { parseListenQuery } from './listen-query.js';
import { ListenSession } from './listen-session.js';
import type {
  ConnectionDrop,
  DeepgramPath,
  DropOptions,
  FakeDeepgramOptions,
  FinalTranscriptRecord,
  FlushRecord,
  HandshakeRecord,
  ListenConnectionInfo,
  ListenKnobs,
  RestRequestRecord,
  SpeakConnectionInfo,
  SpeakKnobs,
  SpeakStreamFailure,
} from './public-types.js';
import { answerRest } from './rest-routes.js';
import { parseSpeakQuery } from './speak-query.js';
import { SpeakSession } from './speak-session.js';
import { DEFAULT_MIN_SPEECH_MS, DEFAULT_MS_PER_CHARACTER } from './synthetic-voice.js';
import { listenOnLoopback } from '../../kit/ports.js';
import { waitUntil } from '../../kit/wait.js';

/** Default bound of waitFor(): every state change re-checks, so a longer wait is a failure. */
const WAIT_TIMEOUT_MS = 5_000;
const DEFAULT_API_KEY = 'dg-test-key';
const DEFAULT_DROP_CODE = 1011;
const DEFAULT_DROP_REASON = 'NET-0000: The service has not transmitted a Text frame to the client within the timeout window.';

export const DEFAULT_LISTEN_KNOBS: Readonly<ListenKnobs> = Object.freeze({
  resultLatencyMs: 0,
  interimIntervalMs: 1000,
  vadThresholdRms: 200,
  speechOnsetMs: 30,
  pauseMsWithoutEndpointing: 300,
  wordsPerSecond: 2.5,
  noAudioTimeoutMs: 10_000,
});

export const DEFAULT_SPEAK_KNOBS: Readonly<SpeakKnobs> = Object.freeze({
  firstAudioLatencyMs: 0,
  realTimeFactor: 0,
  chunkMs: 20,
  msPerCharacter: DEFAULT_MS_PER_CHARACTER,
  minSpeechMs: DEFAULT_MIN_SPEECH_MS,
});

interface InjectedRefusal {
  path: DeepgramPath | null;
  refusal: HandshakeRefusal;
}

export class FakeDeepgram {
  readonly apiKey: string;
  /** Client behaviour the real service would reject or the fake cannot honour; tests assert it stays []. */
  readonly violations: string[] = [];
  readonly listenKnobs: ListenKnobs;
  readonly speakKnobs: SpeakKnobs;

  private readonly changes = new EventEmitter();
  private readonly timers = new TimerSet();
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly transcriptQueue: string[] = [];
  private readonly handshakeRecords: HandshakeRecord[] = [];
  private readonly listenSessions: ListenSession[] = [];
  private readonly speakSessions: SpeakSession[] = [];
  private readonly finalRecords: FinalTranscriptRecord[] = [];
  private readonly injectedRefusals: InjectedRefusal[] = [];
  private readonly restRecords: RestRequestRecord[] = [];
  private readonly restFailures: HandshakeRefusal[] = [];
  private readonly speakFailures: SpeakStreamFailure[] = [];
  private dropAfter: { afterMs: number; options: DropOptions } | null = null;
  private readonly nextDrops: ConnectionDrop[] = [];
  private nextConnectionId = 1;
  private nextRequestNumber = 1;
  private listeningPort = 0;
  private closing: Promise<void> | null = null;

  static async start(options: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
    const fake = new FakeDeepgram(options);
    fake.listeningPort = await listenOnLoopback(fake.server);
    return fake;
  }

  private constructor(options: FakeDeepgramOptions) {
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY;
    this.listenKnobs = { ...DEFAULT_LISTEN_KNOBS, ...options.listen };
    this.speakKnobs = { ...DEFAULT_SPEAK_KNOBS, ...options.speak };
    this.changes.setMaxListeners(0);
    this.server = http.createServer((request, response) => this.onRequest(request, response));
    this.server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(request, socket, head));
  }

  /** 'http://127.0.0.1:<port>': pass as `baseUrl` to `new DeepgramClient(...)`. */
  get url(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  get port(): number {
    return this.listeningPort;
  }

  // --- live transcription ---------------------------------------------------------------

  /** Appends utterances to the script; each final result consumes one, across all connections. */
  queueTranscripts(texts: readonly string[]): void {
    this.transcriptQueue.push(...texts);
    this.notifyChange();
  }

  pendingTranscripts(): string[] {
    return [...this.transcriptQueue];
  }

  connections(): ListenConnectionInfo[] {
    return this.listenSessions.map((session) => session.info);
  }

  /** Every final Results sent, in order, with the timestamps a latency measurement needs. */
  finals(): FinalTranscriptRecord[] {
    return [...this.finalRecords];
  }

  /** Calls listener as each final Results is written (observation only); returns the unsubscribe. */
  onFinal(listener: (record: FinalTranscriptRecord) => void): () => void {
    this.changes.on('final', listener);
    return () => this.changes.off('final', listener);
  }

  setListenKnobs(knobs: Partial<ListenKnobs>): void {
    Object.assign(this.listenKnobs, knobs);
  }

  // --- streaming TTS --------------------------------------------------------------------

  speakConnections(): SpeakConnectionInfo[] {
    return this.speakSessions.map((session) => session.info);
  }

  /** Every Flush of every speak connection, in arrival order. */
  flushes(): FlushRecord[] {
    return this.speakSessions.flatMap((session) => session.info.flushes).sort((a, b) => a.flushReceivedAtMs - b.flushReceivedAtMs);
  }

  setSpeakKnobs(knobs: Partial<SpeakKnobs>): void {
    Object.assign(this.speakKnobs, knobs);
  }

  /** One-shot: the next flushed text's audio fails after `afterChunks` chunks. */
  failNextSpeakStream(failure: SpeakStreamFailure): void {
    this.speakFailures.push(failure);
  }

  // --- both endpoints -------------------------------------------------------------------

  handshakes(): HandshakeRecord[] {
    return [...this.handshakeRecords];
  }

  /** Every REST request (GET /v1/projects and strays), in arrival order. */
  restRequests(): RestRequestRecord[] {
    return [...this.restRecords];
  }

  /** One-shot: the next authenticated GET /v1/projects answers this status instead. */
  failNextRest(options: { status: number; errCode?: string; errMsg?: string }): void {
    const refusal = refusalFor(options.status);
    this.restFailures.push({ ...refusal, errCode: options.errCode ?? refusal.errCode, errMsg: options.errMsg ?? refusal.errMsg });
  }

  /** One-shot: the next handshake (on `path`, or either) is refused with this status. */
  failNextConnect(options: { status: number; path?: DeepgramPath; errCode?: string; errMsg?: string }): void {
    const refusal = refusalFor(options.status);
    this.injectedRefusals.push({
      path: options.path ?? null,
      refusal: { ...refusal, errCode: options.errCode ?? refusal.errCode, errMsg: options.errMsg ?? refusal.errMsg },
    });
  }

  /** Closes every open socket (or those of `path`) from the server side. */
  dropAll(options: DropOptions = {}): void {
    const code = options.code ?? DEFAULT_DROP_CODE;
    const reason = options.reason ?? DEFAULT_DROP_REASON;
    const abrupt = options.abrupt ?? false;
    if (options.path !== 'speak') for (const session of this.listenSessions) session.drop(code, reason, abrupt);
    if (options.path !== 'listen') for (const session of this.speakSessions) session.drop(code, reason, abrupt);
  }

  /**
   * One-shot: the next connection opened on `drop.path` is dropped after `afterMs` or after the
   * server wrote `afterMessages` messages on it (whichever comes first). Queued rules apply to
   * successive connections in order.
   */
  dropNextConnection(drop: ConnectionDrop): void {
    if (drop.afterMs === undefined && drop.afterMessages === undefined) throw new Error('dropNextConnection needs afterMs or afterMessages');
    this.nextDrops.push(drop);
  }

  /** Sockets opened from now on are dropped `afterMs` after they open (null turns it off). */
  dropConnectionsAfterMs(afterMs: number | null, options: DropOptions = {}): void {
    this.dropAfter = afterMs === null ? null : { afterMs, options };
  }

  waitFor(predicate: () => boolean, options: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    return waitUntil(predicate, { timeoutMs: WAIT_TIMEOUT_MS, ...options, what: `${options.what ?? 'a condition'} (FakeDeepgram)`, wakeOn: this.changes });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.timers.close();
      for (const session of this.listenSessions) session.dispose();
      for (const session of this.speakSessions) session.dispose();
      this.wss.close();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await closed;
    })();
    return this.closing;
  }

  // --- REST -------------------------------------------------------------------------------

  private onRequest(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const injected = request.method === 'GET' && url.pathname === '/v1/projects' && presentedKey(request) === this.apiKey ? (this.restFailures.shift() ?? null) : null;
    const status = answerRest(request, response, this.apiKey, this.nextRequestId(), injected);
    this.restRecords.push({ atMs: nowMs(), method: request.method ?? 'GET', path: url.pathname, status });
    this.notifyChange();
  }

  // --- handshake --------------------------------------------------------------------------

  private onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {
      // A client that goes away during the handshake.
    });
    const requestId = this.nextRequestId();
    const url = new URL(request.url ?? '/', 'http://fake');
    const path: DeepgramPath | null = url.pathname === '/v1/listen' ? 'listen' : url.pathname === '/v1/speak' ? 'speak' : null;
    const refuse = (refusal: HandshakeRefusal): void => {
      this.recordHandshake(request, url, refusal.status);
      refuseUpgrade(socket, refusal, requestId);
    };
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (path === null) {
      refuse({ status: 404, errCode: 'NOT_FOUND', errMsg: `No streaming endpoint at ${url.pathname}.` });
      return;
    }
    const injected = this.takeInjectedRefusal(path);
    if (injected) {
      refuse(injected);
      return;
    }
    if (presentedKey(request) !== this.apiKey) {
      refuse({ status: 401, ...INVALID_AUTH });
      return;
    }
    const listenQuery = path === 'listen' ? parseListenQuery(url.searchParams) : null;
    const speakQuery = path === 'speak' ? parseSpeakQuery(url.searchParams) : null;
    const invalid = [listenQuery, speakQuery].find((parsed) => parsed !== null && !parsed.ok);
    if (invalid && !invalid.ok) {
      refuse({ status: 400, errCode: 'INVALID_QUERY_PARAMETER', errMsg: invalid.message });
      return;
    }
    this.recordHandshake(request, url, 101);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      if (this.closing) {
        ws.terminate();
        return;
      }
      const id = this.nextConnectionId;
      this.nextConnectionId += 1;
      const violation = (message: string): void => {
        this.violations.push(message);
        this.notifyChange();
      };
      const changed = (): void => this.notifyChange();
      const oneShot = this.takeNextDrop(path);
      let messages = 0;
      const sent = (): void => {
        messages += 1;
        if (oneShot?.afterMessages === undefined || messages !== oneShot.afterMessages) return;
        // Right after the write that made the count; a session still in its constructor (speak's Metadata) just after it.
        if (session !== null) this.drop(session, oneShot);
        else queueMicrotask(() => this.drop(session, oneShot));
      };
      let session: ListenSession | SpeakSession | null = null;
      if (listenQuery?.ok) {
        session = new ListenSession(ws, id, requestId, listenQuery.value, {
          knobs: this.listenKnobs,
          script: { peek: () => this.transcriptQueue[0], take: () => this.transcriptQueue.shift() },
          violation,
          finalSent: (record) => {
            this.finalRecords.push(record);
            this.changes.emit('final', record);
          },
          changed,
          sent,
        });
        this.listenSessions.push(session);
      } else if (speakQuery?.ok) {
        session = new SpeakSession(ws, id, requestId, speakQuery.value, {
          knobs: this.speakKnobs,
          takeStreamFailure: () => this.speakFailures.shift() ?? null,
          violation,
          changed,
          sent,
        });
        this.speakSessions.push(session);
      }
      this.scheduleDrop(session, path);
      if (oneShot?.afterMs !== undefined) {
        const dropping = session;
        this.timers.after(oneShot.afterMs, () => this.drop(dropping, oneShot));
      }
      this.notifyChange();
    });
  }

  private scheduleDrop(session: ListenSession | SpeakSession | null, path: DeepgramPath): void {
    const drop = this.dropAfter;
    if (session === null || drop === null || (drop.options.path !== undefined && drop.options.path !== path)) return;
    const { code = DEFAULT_DROP_CODE, reason = DEFAULT_DROP_REASON, abrupt = false } = drop.options;
    this.timers.after(drop.afterMs, () => session.drop(code, reason, abrupt));
  }

  private takeNextDrop(path: DeepgramPath): ConnectionDrop | null {
    const index = this.nextDrops.findIndex((drop) => drop.path === path);
    return index < 0 ? null : this.nextDrops.splice(index, 1)[0]!;
  }

  private drop(session: ListenSession | SpeakSession | null, options: DropOptions): void {
    session?.drop(options.code ?? DEFAULT_DROP_CODE, options.reason ?? DEFAULT_DROP_REASON, options.abrupt ?? false);
  }

  private takeInjectedRefusal(path: DeepgramPath): HandshakeRefusal | null {
    const index = this.injectedRefusals.findIndex((entry) => entry.path === null || entry.path === path);
    if (index < 0) return null;
    return this.injectedRefusals.splice(index, 1)[0]!.refusal;
  }

  private recordHandshake(request: http.IncomingMessage, url: URL, status: number): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name === 'authorization' || name === 'sec-websocket-protocol' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    this.handshakeRecords.push({ atMs: nowMs(), path: url.pathname, query: queryRecord(url.searchParams), status, headers });
    this.notifyChange();
  }

  private nextRequestId(): string {
    const serial = this.nextRequestNumber.toString(16).padStart(12, '0');
    this.nextRequestNumber += 1;
    return `00000000-0000-4000-8000-${serial}`;
  }

  private notifyChange(): void {
    this.changes.emit('change');
  }
}
