// The Realtime server's events turned into the conversation machine's: the
// server VAD's speech start and stop (barge-in follows speech_started), the
// commit of a caller turn, its transcript, and each response's milestones,
// audio, transcript, function calls and end. Keeps per-response state and
// the caller turns' transcripts (reported again once they arrive).
import type { Logger } from 'pino';
import type { TurnReport } from '../../contract/backend.js';
import type { ConversationEvent, LlmToolCall } from '../../conversation/conversation-types.js';
import { ProviderError } from '../../providers/provider-error.js';
import type { InputBridge, OutputBridge } from './audio-bridge.js';
import type { ConversationSync } from './conversation-sync.js';
import type { RealtimeServerEvent } from './realtime-connection.js';
import type { RealtimeTurn } from './realtime-turn.js';
import { ResponseAudio } from './response-audio.js';
import type { ResponseScheduler } from './response-scheduler.js';
import { SERVER_VAD_PREFIX_MS, SERVER_VAD_SILENCE_MS } from './session-config.js';

/** A caller turn's text until its transcript arrives (kept in step with realtime-agent.ts). */
const PENDING = '…';
/** Errors that only mean a race we expect (the response ended as we cancelled it). */
const BENIGN_ERRORS: ReadonlySet<string> = new Set(['response_cancel_not_active']);
/** Transcripts kept for caller turns: far more than one call has. */
const MAX_TRANSCRIPTS = 500;

export interface RealtimeEventsDeps {
  readonly serverVad: boolean;
  readonly input: InputBridge;
  readonly output: OutputBridge;
  readonly scheduler: ResponseScheduler;
  readonly sync: ConversationSync;
  readonly now: () => number;
  readonly logger: Logger;
  readonly turnOf: (seq: number) => RealtimeTurn | null;
  readonly audible: () => boolean;
  readonly heard: () => string;
  readonly dispatch: (event: ConversationEvent) => void;
  readonly failed: (error: unknown) => void;
  readonly report: (report: TurnReport) => void;
}

interface Running {
  readonly turn: number;
  readonly audio: ResponseAudio;
  readonly toolCalls: LlmToolCall[];
  firstToken: boolean;
  firstAudio: boolean;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export class RealtimeEvents {
  readonly #deps: RealtimeEventsDeps;
  readonly #running = new Map<string, Running>();
  /** Committed user audio items in order, and the caller turn each became part of. */
  readonly #itemSeq = new Map<string, number>();
  readonly #transcripts = new Map<string, string>();
  readonly #lastCallerReport = new Map<number, TurnReport>();
  #committing: string | null = null;
  /** Committed user items in order (the reseed's transcripts). */
  readonly #commits: string[] = [];
  /** Transcripts of answers cut by a dropped socket, by turn: the answer asked again goes on from them. */
  readonly #carried = new Map<number, string>();
  /** The server VAD heard the caller start and not yet stop. */
  #speaking = false;

  constructor(deps: RealtimeEventsDeps) {
    this.#deps = deps;
  }

  handle(event: RealtimeServerEvent): void {
    const { dispatch, now } = this.#deps;
    switch (event.type) {
      case 'input_audio_buffer.speech_started': {
        if (!this.#deps.serverVad) return;
        this.#speaking = true;
        const onsetMs = this.#deps.input.arrivalOf((num(event.audio_start_ms) ?? 0) + SERVER_VAD_PREFIX_MS) ?? now();
        dispatch({ type: 'caller_speech_start', atMs: onsetMs });
        if (this.#deps.audible()) dispatch({ type: 'barge_in', atMs: now(), onsetMs, playedText: this.#deps.heard() });
        return;
      }
      case 'input_audio_buffer.speech_stopped': {
        if (!this.#deps.serverVad) return;
        this.#speaking = false;
        const endMs = this.#deps.input.arrivalOf((num(event.audio_end_ms) ?? 0) - SERVER_VAD_SILENCE_MS) ?? now();
        dispatch({ type: 'caller_speech_end', atMs: Math.min(endMs, now()) });
        return;
      }
      case 'input_audio_buffer.committed':
        this.#committing = str(event.item_id);
        this.#commits.push(this.#committing);
        if (this.#commits.length > MAX_TRANSCRIPTS) this.#commits.shift();
        dispatch({ type: 'stt_final', text: PENDING, speechFinal: true, atMs: now() });
        this.#committing = null;
        return;
      case 'conversation.item.input_audio_transcription.completed':
        this.#transcribed(str(event.item_id), str(event.transcript).trim());
        return;
      case 'response.created':
        this.#created(str((event.response as { id?: unknown } | undefined)?.id));
        return;
      case 'response.output_item.added': {
        const item = event.item as { id?: unknown; type?: unknown } | undefined;
        const running = this.#running.get(str(event.response_id));
        if (running && item?.type === 'message' && running.audio.itemId === null) running.audio.itemId = str(item.id);
        return;
      }
      case 'response.output_audio_transcript.delta': {
        const running = this.#running.get(str(event.response_id));
        if (!running) return;
        running.audio.transcript += str(event.delta);
        if (!running.firstToken) {
          running.firstToken = true;
          dispatch({ type: 'llm_first_token', turn: running.turn, atMs: now() });
        }
        return;
      }
      case 'response.output_audio.delta':
        this.#audio(str(event.response_id), str(event.delta));
        return;
      case 'response.function_call_arguments.done':
        this.#functionCall(event);
        return;
      case 'response.done':
        this.#done(event.response as { id?: unknown; status?: unknown; status_details?: unknown } | undefined);
        return;
      default:
        return;
    }
  }

  /** An `error` event: a race we expect is logged; anything else fails the call's conversation (apology, fallback). */
  onError(event: RealtimeServerEvent, text: string): void {
    const error = (event.error ?? {}) as { code?: unknown; type?: unknown };
    if (typeof error.code === 'string' && BENIGN_ERRORS.has(error.code)) {
      this.#deps.logger.debug({ error: text }, 'realtime server refused an event after a race');
      return;
    }
    const server = error.type === 'server_error';
    this.#deps.failed(new ProviderError({ provider: 'llm', vendor: 'openai', code: server ? 'server' : 'rejected', retryable: server }, `realtime error: ${text}`));
  }

  /**
   * The socket dropped: the responses running there end with the audio that
   * arrived (it plays; the answer asked again on the new session goes on after
   * it, its text joined to theirs), and a caller the server VAD heard speaking
   * is taken to have stopped (the new session's VAD starts afresh).
   */
  connectionLost(): void {
    const tail = this.#deps.output.finish();
    for (const running of this.#running.values()) {
      for (const frame of tail.splice(0)) running.audio.frames.push(frame);
      running.audio.frames.end();
      const before = this.#carried.get(running.turn) ?? '';
      this.#carried.set(running.turn, `${before} ${running.audio.transcript}`.trim());
    }
    this.#running.clear();
    if (this.#speaking) {
      this.#speaking = false;
      this.#deps.dispatch({ type: 'caller_speech_end', atMs: this.#deps.now() });
    }
  }

  /** Transcripts of the committed caller turns, oldest first ('' while unknown). */
  transcripts(): string[] {
    return this.#commits.map((item) => this.#transcripts.get(item) ?? '');
  }

  /** The machine reported a caller turn: the user items committed into it get their transcripts when known. */
  callerReported(report: TurnReport): void {
    if (this.#committing !== null) this.#itemSeq.set(this.#committing, report.seq);
    this.#lastCallerReport.set(report.seq, report);
    if (this.#lastCallerReport.size > MAX_TRANSCRIPTS) this.#lastCallerReport.delete(this.#lastCallerReport.keys().next().value!);
  }

  /** The report with each placeholder replaced by its item's transcript, in commit order. */
  withTranscripts(report: TurnReport): TurnReport {
    const items = [...this.#itemSeq].filter(([, seq]) => seq === report.seq).map(([item]) => item);
    let index = 0;
    const text = report.text
      .split(PENDING)
      .reduce((joined, part, i) => (i === 0 ? part : `${joined}${this.#transcripts.get(items[index++] ?? '') ?? PENDING}${part}`), '')
      .replace(/\s+/g, ' ')
      .trim();
    return { ...report, text };
  }

  #transcribed(itemId: string, transcript: string): void {
    this.#transcripts.set(itemId, transcript);
    if (this.#transcripts.size > MAX_TRANSCRIPTS) this.#transcripts.delete(this.#transcripts.keys().next().value!);
    const seq = this.#itemSeq.get(itemId);
    const report = seq === undefined ? undefined : this.#lastCallerReport.get(seq);
    if (report) this.#deps.report(this.withTranscripts(report));
  }

  #created(id: string): void {
    const scheduled = this.#deps.scheduler.created(id);
    if (scheduled === null) return;
    const turn = this.#deps.turnOf(scheduled.turn);
    if (!turn) {
      this.#deps.scheduler.cancel(scheduled.turn);
      return;
    }
    const audio = new ResponseAudio(id);
    this.#running.set(id, { turn: scheduled.turn, audio, toolCalls: [], firstToken: false, firstAudio: false });
    turn.playAnswer(audio);
  }

  #audio(responseId: string, delta: string): void {
    const running = this.#running.get(responseId);
    if (!running) return;
    const bytes = Buffer.from(delta, 'base64');
    running.audio.receivedMs += this.#deps.output.deltaMs(bytes.length);
    if (!running.firstAudio) {
      running.firstAudio = true;
      this.#deps.dispatch({ type: 'tts_first_audio', turn: running.turn, atMs: this.#deps.now() });
    }
    for (const frame of this.#deps.output.push(bytes)) running.audio.frames.push(frame);
  }

  #functionCall(event: RealtimeServerEvent): void {
    const running = this.#running.get(str(event.response_id));
    if (!running) return;
    const callId = str(event.call_id);
    let args: unknown = {};
    try {
      args = JSON.parse(str(event.arguments) || '{}');
    } catch {
      this.#deps.logger.warn({ tool: str(event.name) }, 'realtime function call arguments are not JSON; called without arguments');
    }
    this.#deps.sync.serverCall(callId);
    running.toolCalls.push({ id: callId, name: str(event.name), arguments: args });
  }

  #done(response: { id?: unknown; status?: unknown; status_details?: unknown } | undefined): void {
    const id = str(response?.id);
    this.#deps.scheduler.done(id);
    const tail = this.#deps.output.finish();
    const running = this.#running.get(id);
    if (!running) return;
    this.#running.delete(id);
    for (const frame of tail) running.audio.frames.push(frame);
    running.audio.frames.end();
    const status = str(response?.status);
    if (status === 'completed' || status === 'incomplete') {
      const carried = this.#carried.get(running.turn) ?? '';
      this.#carried.delete(running.turn);
      const text = carried === '' ? running.audio.transcript : `${carried} ${running.audio.transcript}`.trim();
      this.#deps.dispatch({ type: 'llm_done', turn: running.turn, atMs: this.#deps.now(), text, toolCalls: running.toolCalls });
    } else if (status === 'failed') {
      const details = JSON.stringify(response?.status_details ?? null).slice(0, 300);
      this.#deps.failed(new ProviderError({ provider: 'llm', vendor: 'openai', code: 'server', retryable: true }, `realtime response ${status}: ${details}`));
    }
  }
}
