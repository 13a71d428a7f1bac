// Speech to text with Deepgram's live transcription websocket (/v1/listen),
// one stream per call: 20 ms mu-law frames in, transcript events out.
//
// Query: model (default nova-3), encoding=mulaw, sample_rate=8000, language,
// interim_results, endpointing, utterance_end_ms, vad_events, smart_format,
// punctuate. Results map to interim/final (empty transcripts skipped),
// SpeechStarted to speech_started, UtteranceEnd to utterance_end; Metadata is
// ignored. Deepgram closes a stream that received neither audio nor a text
// message for ~10 s (1011 NET-0001): a KeepAlive goes out by itself after
// `keepAliveAfterIdleMs` without either, on top of the session's own calls.

import type { Deepgram, DeepgramClient } from '@deepgram/sdk';
import { AsyncQueue } from './async-queue.js';
import { closeError, createDeepgramClient, openDeepgramSocket, probeDeepgram, safeClose } from './deepgram-connection.js';
import { ProviderError } from './provider-error.js';
import { DEFAULT_STT_TIMEOUTS, raceDeadline, resolveTimeouts, type SttTimeouts } from './provider-timing.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from './types.js';

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;
type ListenMessage =
  | Deepgram.listen.ListenV1Results
  | Deepgram.listen.ListenV1Metadata
  | Deepgram.listen.ListenV1UtteranceEnd
  | Deepgram.listen.ListenV1SpeechStarted;

export const DEFAULT_DEEPGRAM_STT_MODEL = 'nova-3';
/** Events kept for a consumer that fell behind; beyond it the stream fails (it stopped reading). */
export const STT_EVENT_CAPACITY = 10_000;

export interface DeepgramSttOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  model?: string | undefined;
  timeouts?: Partial<SttTimeouts> | undefined;
  /** Clock of the events' atMs; default performance.now. */
  now?: (() => number) | undefined;
}

export class DeepgramSttProvider implements SttProvider {
  private readonly client: DeepgramClient;
  private readonly apiKey: string;
  private readonly model: string;
  private readonly timeouts: Readonly<SttTimeouts>;
  private readonly now: () => number;

  constructor(options: DeepgramSttOptions) {
    this.client = createDeepgramClient(options);
    this.apiKey = options.apiKey;
    this.model = options.model ?? DEFAULT_DEEPGRAM_STT_MODEL;
    this.timeouts = resolveTimeouts(DEFAULT_STT_TIMEOUTS, options.timeouts);
    this.now = options.now ?? (() => performance.now());
  }

  async open(options: SttStreamOptions): Promise<SttStream> {
    if (options.encoding !== 'mulaw' || options.sampleRate !== 8000) {
      throw new RangeError('the Deepgram STT stream takes 8 kHz mu-law audio');
    }
    const socket = await this.client.listen.v1.connect({
      model: this.model,
      encoding: 'mulaw',
      sample_rate: 8000,
      language: options.language,
      interim_results: 'true',
      endpointing: options.endpointingMs,
      utterance_end_ms: options.utteranceEndMs,
      vad_events: 'true',
      smart_format: 'true',
      punctuate: 'true',
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: this.timeouts.connectTimeoutMs / 1000,
    });
    const stream = new DeepgramSttStream(socket, this.apiKey, this.timeouts, this.now);
    await stream.start(options.signal);
    return stream;
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeDeepgram(this.client, 'stt', this.apiKey, this.timeouts.probeTimeoutMs, signal);
  }
}

type Phase = 'opening' | 'open' | 'closing' | 'closed';

/** Deepgram's audio times are seconds of the stream's audio; ours are ms (0 when missing). */
const seconds = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value * 1000 : 0);

class DeepgramSttStream implements SttStream {
  private phase: Phase = 'opening';
  private readonly queue: AsyncQueue<SttEvent>;
  private dropped = 0;
  private lastSentAtMs = 0;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private serverClosed: (() => void) | null = null;
  private lastErrorMessage: string | null = null;
  private detachAbort: () => void = () => undefined;

  constructor(
    private readonly socket: ListenSocket,
    private readonly apiKey: string,
    private readonly timeouts: Readonly<SttTimeouts>,
    private readonly now: () => number,
  ) {
    this.queue = new AsyncQueue<SttEvent>({
      capacity: STT_EVENT_CAPACITY,
      overflowError: () => new ProviderError({ provider: 'stt', vendor: 'deepgram', code: 'protocol', retryable: false }, 'event consumer fell behind'),
    });
    socket.on('message', (message) => this.onMessage(message));
    socket.on('close', (event) => this.onClose(event.code, event.reason ?? ''));
    socket.on('error', (error) => this.onError(error));
  }

  get events(): AsyncIterable<SttEvent> {
    return this.queue;
  }

  get droppedFrames(): number {
    return this.dropped;
  }

  async start(signal: AbortSignal): Promise<void> {
    try {
      await openDeepgramSocket(this.socket, { provider: 'stt', apiKey: this.apiKey, timeoutMs: this.timeouts.connectTimeoutMs, signal });
    } catch (error: unknown) {
      this.phase = 'closed';
      this.queue.discard();
      throw error;
    }
    this.phase = 'open';
    this.lastSentAtMs = this.now();
    const onAbort = (): void => {
      this.closing ??= this.shutDown(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachAbort = () => signal.removeEventListener('abort', onAbort);
    const idleMs = this.timeouts.keepAliveAfterIdleMs;
    if (idleMs > 0) {
      this.keepAliveTimer = setInterval(() => {
        if (this.now() - this.lastSentAtMs >= idleMs) this.keepAlive();
      }, Math.max(1, idleMs / 2));
    }
  }

  send(audio: Uint8Array): void {
    if (this.phase !== 'open') {
      this.dropped += 1;
      return;
    }
    try {
      // A copy: the websocket masks a Buffer in place, and the caller may reuse its frame.
      this.socket.sendMedia(new Uint8Array(audio));
      this.lastSentAtMs = this.now();
    } catch {
      this.dropped += 1;
    }
  }

  keepAlive(): void {
    if (this.phase !== 'open') return;
    try {
      this.socket.sendKeepAlive({ type: 'KeepAlive' });
      this.lastSentAtMs = this.now();
    } catch {
      // The socket closed meanwhile; its close event reports it.
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown(true);
    return this.closing;
  }

  /** graceful: CloseStream and wait for the last results; otherwise (abort) close at once. */
  private async shutDown(graceful: boolean): Promise<void> {
    this.stopTimers();
    if (this.phase === 'open' && graceful) {
      this.phase = 'closing';
      const serverClosed = new Promise<void>((resolve) => {
        this.serverClosed = resolve;
      });
      try {
        this.socket.sendCloseStream({ type: 'CloseStream' });
        await raceDeadline(serverClosed, this.timeouts.closeTimeoutMs);
      } catch {
        // Not open any more: nothing to wait for.
      }
    }
    this.phase = 'closed';
    safeClose(this.socket);
    if (graceful) this.queue.end();
    else this.queue.discard();
  }

  private onMessage(message: ListenMessage): void {
    if (this.phase === 'closed' || typeof message !== 'object' || message === null) return;
    const atMs = this.now();
    switch (message.type) {
      case 'Results': {
        const alternative = message.channel?.alternatives?.[0];
        const text = alternative?.transcript ?? '';
        if (text.trim().length === 0) return;
        // The words' own times when given (a result's span also covers the silence around them).
        const words = alternative?.words ?? [];
        const audioStartMs = seconds(words[0]?.start ?? message.start);
        const audioEndMs = words.length > 0 ? seconds(words.at(-1)!.end) : audioStartMs + seconds(message.duration);
        this.queue.push(
          message.is_final === true
            ? { type: 'final', text, speechFinal: message.speech_final === true, atMs, audioStartMs, audioEndMs }
            : { type: 'interim', text, atMs, audioStartMs, audioEndMs },
        );
        return;
      }
      case 'SpeechStarted':
        this.queue.push({ type: 'speech_started', atMs, audioMs: seconds(message.timestamp) });
        return;
      case 'UtteranceEnd':
        this.queue.push({ type: 'utterance_end', atMs, audioEndMs: seconds(message.last_word_end) });
        return;
      default:
      // Metadata and anything newer: nothing the call needs.
    }
  }

  private onClose(code: number, reason: string): void {
    if (this.phase === 'opening' || this.phase === 'closed') return;
    if (this.phase === 'closing') {
      this.serverClosed?.();
      return;
    }
    // Closed by the service or the network. The SDK reports a socket error as a
    // close (1000) followed by the error itself: wait for it before failing.
    this.phase = 'closed';
    this.stopTimers();
    queueMicrotask(() => {
      const error = this.lastErrorMessage !== null && code === 1000
        ? closeError('stt', 1006, this.lastErrorMessage, this.apiKey)
        : closeError('stt', code, reason, this.apiKey);
      this.queue.fail(error);
    });
  }

  private onError(error: Error): void {
    this.lastErrorMessage = error.message;
  }

  private stopTimers(): void {
    if (this.keepAliveTimer !== null) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.detachAbort();
  }
}
