// One live transcription socket (/v1/listen): binary audio and JSON control messages in,
// recognizer events out as Deepgram JSON, everything recorded. Malformed input is recorded as a
// violation and dropped; nothing thrown escapes a socket handler.

import type { WebSocket, RawData } from 'ws';
import { toBuffer } from './handshake.js';
import { decodeSamples, type RawEncoding } from './audio-codec.js';
import { nowMs, TimerSet } from './clock.js';
import { listenEventMessage, listenMetadataMessage, type ListenMessageContext } from './listen-messages.js';
import type { ListenQuery } from './listen-query.js';
import { ListenRecognizer, type RecognizerEvent, type TranscriptSource } from './listen-recognizer.js';
import type { FinalTranscriptRecord, ListenConnectionInfo, ListenKnobs } from './public-types.js';
import { EnergyVoiceDetector } from './voice-activity.js';

/** Close reason Deepgram sends when neither audio nor a text message arrived in time. */
export const NO_AUDIO_CLOSE_REASON =
  'Deepgram did not receive audio data or a text message within the timeout window. See https://dpgr.am/net0001';
const NO_AUDIO_CLOSE_CODE = 1011;

export interface ListenSessionDeps {
  knobs: Readonly<ListenKnobs>;
  script: TranscriptSource;
  violation: (message: string) => void;
  finalSent: (record: FinalTranscriptRecord) => void;
  changed: () => void;
  /** Called after every message written to the socket (for drop-after-N-messages faults). */
  sent?: () => void;
}

export class ListenSession {
  readonly info: ListenConnectionInfo;
  private readonly timers = new TimerSet();
  private readonly context: ListenMessageContext;
  private readonly detector: EnergyVoiceDetector | null;
  private readonly recognizer: ListenRecognizer;
  private readonly encoding: RawEncoding | null;
  private readonly createdAt = new Date();
  private carry: number | null = null;
  private lastSendDueMs = 0;
  private streamClosing = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: WebSocket,
    id: number,
    requestId: string,
    private readonly query: ListenQuery,
    private readonly deps: ListenSessionDeps,
  ) {
    this.info = {
      id,
      requestId,
      query: query.raw,
      openedAtMs: nowMs(),
      audioBytes: 0,
      audioChunks: 0,
      audioSeconds: 0,
      keepAlives: 0,
      controlMessages: [],
      sent: [],
      finals: [],
      closed: null,
    };
    this.context = { requestId, model: query.model, punctuatedWords: query.punctuatedWords };
    this.encoding = query.encoding;
    const { knobs } = deps;
    this.detector = query.encoding === null ? null : new EnergyVoiceDetector(query.sampleRate, knobs.vadThresholdRms);
    this.recognizer = new ListenRecognizer(
      {
        vadEvents: query.vadEvents,
        interimResults: query.interimResults,
        endpointingMs: query.endpointingMs,
        utteranceEndMs: query.utteranceEndMs,
        onsetMs: knobs.speechOnsetMs,
        interimIntervalMs: knobs.interimIntervalMs,
        pauseMsWithoutEndpointing: knobs.pauseMsWithoutEndpointing,
        wordsPerSecond: knobs.wordsPerSecond,
      },
      deps.script,
    );
    for (const message of query.violations) deps.violation(`listen #${id}: ${message}`);
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code, reason) => this.onClosed(code, reason.toString()));
    socket.on('error', () => {
      // A client that vanishes mid-frame; 'close' follows and records it.
    });
    this.armIdleTimeout();
  }

  /** Closes with a code (default behaviour of dropAll); abrupt destroys the TCP socket instead. */
  drop(code: number, reason: string, abrupt: boolean): void {
    if (this.info.closed) return;
    this.timers.clearAll();
    this.markClosed(abrupt ? 1006 : code, abrupt ? '' : reason, 'server');
    if (abrupt) this.socket.terminate();
    else this.socket.close(code, reason);
  }

  dispose(): void {
    this.timers.close();
    this.idleTimer = null;
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.terminate();
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const arrivedAtMs = nowMs();
    const bytes = toBuffer(data);
    this.armIdleTimeout();
    if (this.streamClosing) {
      this.deps.violation(`listen #${this.info.id}: ${isBinary ? 'audio' : 'message'} received after CloseStream`);
      return;
    }
    if (isBinary) {
      if (bytes.length === 0) {
        // An empty binary frame is the legacy end-of-stream signal: Deepgram closes the stream.
        this.recordControl('(empty binary frame)', arrivedAtMs);
        this.closeStream(arrivedAtMs);
        return;
      }
      this.onAudio(bytes, arrivedAtMs);
      return;
    }
    this.onControl(bytes.toString('utf8'), arrivedAtMs);
  }

  private onAudio(bytes: Buffer, arrivedAtMs: number): void {
    this.info.audioBytes += bytes.length;
    this.info.audioChunks += 1;
    if (this.detector === null || this.encoding === null) {
      this.deps.changed();
      return;
    }
    let input: Uint8Array = bytes;
    if (this.encoding === 'linear16') {
      if (this.carry !== null) input = Buffer.concat([Buffer.from([this.carry]), bytes]);
      this.carry = input.length % 2 === 1 ? input[input.length - 1]! : null;
    }
    const frames = this.detector.push(decodeSamples(this.encoding, input));
    this.info.audioSeconds = this.detector.receivedSec;
    this.emit(this.recognizer.processFrames(frames, arrivedAtMs));
    this.deps.changed();
  }

  private onControl(text: string, arrivedAtMs: number): void {
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      this.deps.violation(`listen #${this.info.id}: text message is not JSON`);
      return;
    }
    this.recordControl(String(type), arrivedAtMs);
    switch (type) {
      case 'KeepAlive':
        this.info.keepAlives += 1;
        break;
      case 'Finalize':
        this.emit(this.recognizer.finalize(arrivedAtMs));
        break;
      case 'CloseStream':
        this.closeStream(arrivedAtMs);
        break;
      default:
        this.deps.violation(`listen #${this.info.id}: unknown control message type ${JSON.stringify(type)}`);
    }
    this.deps.changed();
  }

  private closeStream(arrivedAtMs: number): void {
    this.streamClosing = true;
    this.emit(this.recognizer.closeStream(arrivedAtMs));
    this.sendMetadataAndClose(1000, '');
  }

  private sendMetadataAndClose(code: number, reason: string): void {
    const metadata = listenMetadataMessage(this.context, this.recognizer.receivedAudioSec, this.query.channels, this.createdAt);
    this.schedule(() => {
      this.write(metadata);
      if (this.info.closed) return;
      this.markClosed(code, reason, 'server');
      this.socket.close(code, reason);
    });
  }

  private emit(events: RecognizerEvent[]): void {
    for (const event of events) {
      const message = listenEventMessage(event, this.context);
      const final = event.kind === 'results' ? event.final : null;
      this.schedule(() => {
        const sentAtMs = this.write(message);
        if (final === null || sentAtMs === null || event.kind !== 'results') return;
        const record: FinalTranscriptRecord = {
          connectionId: this.info.id,
          transcript: event.transcript,
          scripted: final.scripted,
          speechFinal: event.speechFinal,
          fromFinalize: event.fromFinalize,
          speechStartSec: final.speechStartSec,
          speechEndSec: final.speechEndSec,
          speechEndArrivedAtMs: final.speechEndArrivalMs,
          decidedAtMs: final.decidedArrivalMs,
          sentAtMs,
        };
        this.info.finals.push(record);
        this.deps.finalSent(record);
      });
    }
  }

  /** Runs send in order, after the configured result latency (synchronously when it is 0). */
  private schedule(send: () => void): void {
    const now = nowMs();
    const dueMs = Math.max(now + this.deps.knobs.resultLatencyMs, this.lastSendDueMs);
    this.lastSendDueMs = dueMs;
    if (dueMs <= now) send();
    else this.timers.after(dueMs - now, send);
  }

  private write(message: Record<string, unknown>): number | null {
    if (this.info.closed || this.socket.readyState !== this.socket.OPEN) return null;
    this.socket.send(JSON.stringify(message));
    const atMs = nowMs();
    this.info.sent.push({ atMs, type: String(message['type']) });
    this.deps.changed();
    this.deps.sent?.();
    return atMs;
  }

  private armIdleTimeout(): void {
    const timeoutMs = this.deps.knobs.noAudioTimeoutMs;
    this.timers.cancel(this.idleTimer);
    this.idleTimer = null;
    if (timeoutMs <= 0 || this.streamClosing || this.info.closed) return;
    this.idleTimer = this.timers.after(timeoutMs, () => {
      this.idleTimer = null;
      this.streamClosing = true;
      this.sendMetadataAndClose(NO_AUDIO_CLOSE_CODE, NO_AUDIO_CLOSE_REASON);
    });
  }

  private recordControl(type: string, atMs: number): void {
    this.info.controlMessages.push({ atMs, type });
  }

  private markClosed(code: number, reason: string, by: 'client' | 'server'): void {
    if (this.info.closed) return;
    this.info.closed = { atMs: nowMs(), code, reason, by };
    this.deps.changed();
  }

  private onClosed(code: number, reason: string): void {
    this.timers.close();
    this.idleTimer = null;
    this.markClosed(code, reason, 'client');
  }
}
