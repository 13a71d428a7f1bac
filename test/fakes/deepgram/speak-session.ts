// One Aura streaming TTS socket (/v1/speak). Client messages: {"type":"Speak","text"},
// {"type":"Flush"}, {"type":"Clear"}, {"type":"Close"}. Server messages: Metadata at open, binary
// audio for each flushed text in the requested encoding, then {"type":"Flushed","sequence_id"};
// {"type":"Cleared","sequence_id"} after a Clear (queued audio stops at once); a Warning when
// the documented Flush limit (20 per 60 s) is exceeded. Close closes at once with 1000.

import type { WebSocket, RawData } from 'ws';
import { toBuffer } from './handshake.js';
import { bytesPerSample, encodeSamples } from './audio-codec.js';
import { nowMs, TimerSet } from './clock.js';
import type { SpeakQuery } from './speak-query.js';
import type { FlushRecord, SpeakConnectionInfo, SpeakKnobs, SpeakStreamFailure } from './public-types.js';
import { speechDurationMs, synthesizeSpeech } from './synthetic-voice.js';

const FLUSH_LIMIT = 20;
const FLUSH_WINDOW_MS = 60_000;
const MODEL_VERSION = '2025-01-07.0';
const MODEL_UUID = 'ecb76e9d-f2db-4127-8060-79b05590d22f';
/** Code of the Warning sent past the Flush limit (the code string is the fake's own). */
export const FLUSH_LIMIT_WARNING_CODE = 'FLUSH_LIMIT_EXCEEDED';
const STREAM_FAILURE_REASON = 'Deepgram encountered an internal error while generating audio.';

export interface SpeakSessionDeps {
  knobs: Readonly<SpeakKnobs>;
  /** One-shot failure for the next flushed text, taken when its audio starts. */
  takeStreamFailure: () => SpeakStreamFailure | null;
  violation: (message: string) => void;
  changed: () => void;
  /** Called after every message (audio or JSON) written to the socket (for drop-after-N-messages faults). */
  sent?: () => void;
}

interface SpeakJob {
  record: FlushRecord;
  audio: Buffer;
  chunkBytes: number;
  chunkIntervalMs: number;
  nextChunk: number;
  startAtMs: number;
  failure: SpeakStreamFailure | null;
}

export class SpeakSession {
  readonly info: SpeakConnectionInfo;
  private readonly timers = new TimerSet();
  private textBuffer = '';
  private nextSequenceId = 0;
  private readonly flushTimesMs: number[] = [];
  private readonly queue: SpeakJob[] = [];
  private active: SpeakJob | null = null;
  private activeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: WebSocket,
    id: number,
    requestId: string,
    private readonly query: SpeakQuery,
    private readonly deps: SpeakSessionDeps,
  ) {
    this.info = {
      id,
      requestId,
      query: query.raw,
      model: query.model,
      encoding: query.encoding,
      sampleRate: query.sampleRate,
      openedAtMs: nowMs(),
      texts: [],
      flushes: [],
      clears: 0,
      controlMessages: [],
      sent: [],
      closed: null,
    };
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code, reason) => this.onClosed(code, reason.toString()));
    socket.on('error', () => {
      // 'close' follows and records it.
    });
    this.sendJson({ type: 'Metadata', request_id: requestId, model_name: query.model, model_version: MODEL_VERSION, model_uuid: MODEL_UUID });
  }

  drop(code: number, reason: string, abrupt: boolean): void {
    if (this.info.closed) return;
    this.stopAudio('connection-closed');
    this.markClosed(abrupt ? 1006 : code, abrupt ? '' : reason, 'server');
    if (abrupt) this.socket.terminate();
    else this.socket.close(code, reason);
  }

  dispose(): void {
    this.timers.close();
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.terminate();
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const atMs = nowMs();
    if (isBinary) {
      this.deps.violation(`speak #${this.info.id}: binary message from the client`);
      return;
    }
    const bytes = toBuffer(data);
    let message: { type?: unknown; text?: unknown };
    try {
      message = JSON.parse(bytes.toString('utf8')) as { type?: unknown; text?: unknown };
    } catch {
      this.deps.violation(`speak #${this.info.id}: text message is not JSON`);
      return;
    }
    const type = String(message.type);
    if (type !== 'Speak') this.info.controlMessages.push({ atMs, type });
    switch (message.type) {
      case 'Speak':
        if (typeof message.text !== 'string') {
          this.deps.violation(`speak #${this.info.id}: Speak without a string text`);
          break;
        }
        this.textBuffer += message.text;
        this.info.texts.push({ atMs, text: message.text });
        break;
      case 'Flush':
        this.onFlush(atMs);
        break;
      case 'Clear':
        this.onClear();
        break;
      case 'Close':
        this.stopAudio('connection-closed');
        this.markClosed(1000, '', 'server');
        this.socket.close(1000);
        break;
      default:
        this.deps.violation(`speak #${this.info.id}: unknown message type ${JSON.stringify(message.type)}`);
    }
    this.deps.changed();
  }

  private onFlush(atMs: number): void {
    while (this.flushTimesMs.length > 0 && atMs - this.flushTimesMs[0]! >= FLUSH_WINDOW_MS) this.flushTimesMs.shift();
    if (this.flushTimesMs.length >= FLUSH_LIMIT) {
      this.sendJson({
        type: 'Warning',
        description: `Flush limit of ${FLUSH_LIMIT} per ${FLUSH_WINDOW_MS / 1000} seconds exceeded; this Flush was not processed.`,
        code: FLUSH_LIMIT_WARNING_CODE,
      });
      return;
    }
    this.flushTimesMs.push(atMs);
    const text = this.textBuffer;
    this.textBuffer = '';
    const { knobs } = this.deps;
    const rate = this.query.sampleRate;
    const width = bytesPerSample(this.query.encoding);
    const audio = text.length === 0
      ? Buffer.alloc(0)
      : encodeSamples(this.query.encoding, synthesizeSpeech(speechDurationMs(text, { msPerCharacter: knobs.msPerCharacter, minDurationMs: knobs.minSpeechMs }), rate));
    const chunkSamples = Math.max(1, Math.round((knobs.chunkMs * rate) / 1000));
    const record: FlushRecord = {
      connectionId: this.info.id,
      sequenceId: this.nextSequenceId,
      text,
      flushReceivedAtMs: atMs,
      firstAudioSentAtMs: null,
      lastAudioSentAtMs: null,
      flushedSentAtMs: null,
      audioBytesSent: 0,
      audioBytesTotal: audio.length,
      chunksSent: 0,
      outcome: 'pending',
    };
    this.nextSequenceId += 1;
    this.info.flushes.push(record);
    this.queue.push({
      record,
      audio,
      chunkBytes: chunkSamples * width,
      chunkIntervalMs: knobs.chunkMs * knobs.realTimeFactor,
      nextChunk: 0,
      startAtMs: 0,
      failure: null,
    });
    this.pump();
  }

  private pump(): void {
    if (this.active !== null || this.info.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.active = job;
    job.failure = this.deps.takeStreamFailure();
    // First-audio latency counts from the Flush; a text queued behind another starts when it ends.
    job.startAtMs = Math.max(nowMs(), job.record.flushReceivedAtMs + this.deps.knobs.firstAudioLatencyMs);
    this.step();
  }

  /** Sends every chunk that is due, then waits for the next one (chunk i is due at start + i * interval). */
  private step(): void {
    this.activeTimer = null;
    const job = this.active;
    if (job === null || this.info.closed) return;
    const chunkCount = Math.ceil(job.audio.length / job.chunkBytes);
    while (job.nextChunk < chunkCount) {
      const dueMs = job.startAtMs + job.nextChunk * job.chunkIntervalMs;
      const now = nowMs();
      if (dueMs > now) {
        this.activeTimer = this.timers.after(dueMs - now, () => this.step());
        return;
      }
      if (job.failure !== null && job.nextChunk >= job.failure.afterChunks) {
        this.failStream(job);
        return;
      }
      const sentAtMs = this.sendChunk(job, job.audio.subarray(job.nextChunk * job.chunkBytes, (job.nextChunk + 1) * job.chunkBytes));
      // Later chunks are paced from the moment the first one really went out.
      if (job.nextChunk === 0) job.startAtMs = sentAtMs;
      job.nextChunk += 1;
    }
    if (job.failure !== null && chunkCount <= job.failure.afterChunks) {
      this.failStream(job);
      return;
    }
    const waitMs = job.startAtMs - nowMs();
    if (chunkCount === 0 && waitMs > 0) {
      this.activeTimer = this.timers.after(waitMs, () => this.finishJob(job));
      return;
    }
    this.finishJob(job);
  }

  private finishJob(job: SpeakJob): void {
    this.activeTimer = null;
    if (this.active !== job || this.info.closed) return;
    job.record.flushedSentAtMs = this.sendJson({ type: 'Flushed', sequence_id: job.record.sequenceId });
    job.record.outcome = 'flushed';
    this.active = null;
    this.deps.changed();
    this.pump();
  }

  private sendChunk(job: SpeakJob, chunk: Buffer): number {
    const atMs = nowMs();
    if (this.socket.readyState !== this.socket.OPEN) return atMs;
    this.socket.send(chunk, { binary: true });
    job.record.firstAudioSentAtMs ??= atMs;
    job.record.lastAudioSentAtMs = atMs;
    job.record.audioBytesSent += chunk.length;
    job.record.chunksSent += 1;
    this.deps.changed();
    this.deps.sent?.();
    return atMs;
  }

  private failStream(job: SpeakJob): void {
    const mode = job.failure?.mode ?? 'close';
    job.record.outcome = 'failed';
    this.active = null;
    this.stopAudio('connection-closed');
    this.markClosed(mode === 'destroy' ? 1006 : 1011, mode === 'destroy' ? '' : STREAM_FAILURE_REASON, 'server');
    if (mode === 'destroy') this.socket.terminate();
    else this.socket.close(1011, STREAM_FAILURE_REASON);
  }

  private onClear(): void {
    this.info.clears += 1;
    this.textBuffer = '';
    this.stopAudio('cleared');
    this.sendJson({ type: 'Cleared', sequence_id: Math.max(0, this.nextSequenceId - 1) });
  }

  /** Drops the active and queued audio; their records get `outcome`. */
  private stopAudio(outcome: 'cleared' | 'connection-closed'): void {
    this.timers.cancel(this.activeTimer);
    this.activeTimer = null;
    for (const job of [this.active, ...this.queue]) {
      if (job !== null && job.record.outcome === 'pending') job.record.outcome = outcome;
    }
    this.active = null;
    this.queue.length = 0;
  }

  private sendJson(message: Record<string, unknown>): number | null {
    if (this.info.closed || this.socket.readyState !== this.socket.OPEN) return null;
    this.socket.send(JSON.stringify(message));
    const atMs = nowMs();
    this.info.sent.push({ atMs, type: String(message['type']) });
    this.deps.sent?.();
    return atMs;
  }

  private markClosed(code: number, reason: string, by: 'client' | 'server'): void {
    if (this.info.closed) return;
    this.info.closed = { atMs: nowMs(), code, reason, by };
    this.deps.changed();
  }

  private onClosed(code: number, reason: string): void {
    this.stopAudio('connection-closed');
    this.timers.close();
    this.markClosed(code, reason, 'client');
  }
}
