// Text to speech with Deepgram Aura's streaming websocket (/v1/speak), one
// socket per call session, opened in open(): model = the voice (e.g.
// aura-2-thalia-en), encoding=mulaw, sample_rate=8000, so the audio is
// already what the call sends (no transcoding).
//
// Each speak() is Speak (in pieces of at most 2000 characters) + Flush; the
// service sends the sentences' audio in order, each followed by Flushed. The
// audio is cut into 160-byte frames across chunk boundaries; Flushed ends the
// sentence (its last partial frame padded with mu-law silence) and yields
// sentence_done. clear() sends Clear and drops the queued output; audio (and
// Flushed) still arriving for earlier sentences is dropped until the service
// answers Cleared, after which audio belongs to sentences spoken since.
//
// The SDK delivers binary audio as Blobs, read asynchronously: every message
// goes through one promise chain so audio, Flushed and Cleared keep their order.
// A Warning (e.g. more than 20 Flushes in 60 s: the Flush was not processed)
// leaves the audio unattributable, so it fails the session.

import type { Deepgram, DeepgramClient } from '@deepgram/sdk';
import { AsyncQueue } from './async-queue.js';
import { closeError, createDeepgramClient, openDeepgramSocket, probeDeepgram, safeClose } from './deepgram-connection.js';
import { ProviderError, redactSecrets } from './provider-error.js';
import { DEFAULT_TTS_TIMEOUTS, resolveTimeouts, Watchdog, type TtsTimeouts } from './provider-timing.js';
import type { TtsOutput, TtsProvider, TtsSession } from './types.js';
import { UlawFramer } from './ulaw-framer.js';

type SpeakSocket = Awaited<ReturnType<DeepgramClient['speak']['v1']['connect']>>;
type SpeakJson = Deepgram.speak.SpeakV1Metadata | Deepgram.speak.SpeakV1Flushed | Deepgram.speak.SpeakV1Cleared | Deepgram.speak.SpeakV1Warning;

/** Longest text of one Speak message (Deepgram's limit). */
export const SPEAK_TEXT_MAX_CHARS = 2_000;
/** Output items (20 ms frames) kept for a consumer that fell behind: 10 minutes; beyond it the session fails. */
export const TTS_OUTPUT_CAPACITY = 30_000;

export interface DeepgramTtsOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  timeouts?: Partial<TtsTimeouts> | undefined;
  /** Clock of the outputs' atMs; default performance.now. */
  now?: (() => number) | undefined;
}

/** Deepgram processes at most 20 Flush messages per 60 s on one socket (then warns and skips them). */
export const DEEPGRAM_FLUSHES_PER_MINUTE = 20;

export class DeepgramTtsProvider implements TtsProvider {
  readonly sentencesPerMinuteLimit = DEEPGRAM_FLUSHES_PER_MINUTE;
  private readonly client: DeepgramClient;
  private readonly apiKey: string;
  private readonly timeouts: Readonly<TtsTimeouts>;
  private readonly now: () => number;

  constructor(options: DeepgramTtsOptions) {
    this.client = createDeepgramClient(options);
    this.apiKey = options.apiKey;
    this.timeouts = resolveTimeouts(DEFAULT_TTS_TIMEOUTS, options.timeouts);
    this.now = options.now ?? (() => performance.now());
  }

  async open(options: { voice: string; signal: AbortSignal }): Promise<TtsSession> {
    const socket = await this.client.speak.v1.connect({
      model: options.voice,
      encoding: 'mulaw',
      sample_rate: '8000',
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: this.timeouts.connectTimeoutMs / 1000,
    });
    const session = new DeepgramTtsSession(socket, this.apiKey, this.timeouts, this.now);
    await session.start(options.signal);
    return session;
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeDeepgram(this.client, 'tts', this.apiKey, this.timeouts.probeTimeoutMs, signal);
  }
}

interface PendingSentence {
  index: number;
  /** Nothing to synthesize: done as soon as it is next. */
  empty: boolean;
  gotAudio: boolean;
}

type Phase = 'opening' | 'open' | 'closed';

class DeepgramTtsSession implements TtsSession {
  private phase: Phase = 'opening';
  private readonly queue: AsyncQueue<TtsOutput>;
  /** Flushed sentences whose Flushed has not arrived, in order. */
  private readonly pending: PendingSentence[] = [];
  private clearsInFlight = 0;
  private nextIndex = 0;
  private readonly framer = new UlawFramer();
  private readonly watchdog = new Watchdog();
  private watchedState = '';
  private chain: Promise<void> = Promise.resolve();
  private lastErrorMessage: string | null = null;
  private detachAbort: () => void = () => undefined;

  constructor(
    private readonly socket: SpeakSocket,
    private readonly apiKey: string,
    private readonly timeouts: Readonly<TtsTimeouts>,
    private readonly now: () => number,
  ) {
    this.queue = new AsyncQueue<TtsOutput>({
      capacity: TTS_OUTPUT_CAPACITY,
      overflowError: () => this.error('protocol', false, 'output consumer fell behind'),
    });
    socket.on('message', (message) => {
      this.chain = this.chain.then(() => this.handle(message)).catch((error: unknown) => {
        this.failWith(this.error('protocol', true, `unreadable message: ${redactSecrets(String(error), [this.apiKey])}`));
      });
    });
    socket.on('close', (event) => this.onClose(event.code, event.reason ?? ''));
    socket.on('error', (error) => {
      this.lastErrorMessage = error.message;
    });
  }

  get output(): AsyncIterable<TtsOutput> {
    return this.queue;
  }

  async start(signal: AbortSignal): Promise<void> {
    try {
      await openDeepgramSocket(this.socket, { provider: 'tts', apiKey: this.apiKey, timeoutMs: this.timeouts.connectTimeoutMs, signal });
    } catch (error: unknown) {
      this.phase = 'closed';
      this.queue.discard();
      throw error;
    }
    this.phase = 'open';
    const onAbort = (): void => void this.close();
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachAbort = () => signal.removeEventListener('abort', onAbort);
  }

  speak(text: string): number {
    const index = this.nextIndex;
    this.nextIndex += 1;
    if (this.phase !== 'open') return index;
    const empty = text.trim().length === 0;
    this.pending.push({ index, empty, gotAudio: false });
    if (!empty) {
      try {
        for (const piece of speakPieces(text)) this.socket.sendText({ type: 'Speak', text: piece });
        this.socket.sendFlush({ type: 'Flush' });
      } catch {
        this.failWith(this.error('connection', true, 'socket not open'));
        return index;
      }
    }
    this.completeEmptyHead();
    this.refreshWatchdog(false);
    return index;
  }

  clear(): void {
    if (this.phase !== 'open') return;
    this.queue.removeWhere(() => true);
    this.framer.reset();
    if (this.pending.length > 0) {
      // Without pending sentences every audio byte already went through the chain: nothing to clear remotely.
      this.pending.length = 0;
      this.clearsInFlight += 1;
      try {
        this.socket.sendClear({ type: 'Clear' });
      } catch {
        this.failWith(this.error('connection', true, 'socket not open'));
        return;
      }
    }
    this.refreshWatchdog(true);
  }

  close(): Promise<void> {
    if (this.phase === 'open') {
      try {
        this.socket.sendClose({ type: 'Close' });
      } catch {
        // Already closing.
      }
    }
    this.shutDown();
    this.queue.discard();
    return Promise.resolve();
  }

  private async handle(message: SpeakJson | Blob | string): Promise<void> {
    if (this.phase !== 'open') return;
    if (message instanceof Blob) {
      const bytes = new Uint8Array(await message.arrayBuffer());
      if (this.phase === 'open') this.onAudio(bytes);
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'Flushed':
        this.onFlushed();
        return;
      case 'Cleared':
        this.clearsInFlight = Math.max(0, this.clearsInFlight - 1);
        this.refreshWatchdog(true);
        return;
      case 'Warning': {
        const warning = message as Deepgram.speak.SpeakV1Warning;
        this.failWith(this.error('protocol', true, `warning ${String(warning.code).slice(0, 60)}: ${redactSecrets(String(warning.description), [this.apiKey], 200)}`));
        return;
      }
      default:
      // Metadata: nothing the call needs.
    }
  }

  private onAudio(bytes: Uint8Array): void {
    const head = this.pending[0];
    // Audio of cleared sentences, until Cleared.
    if (this.clearsInFlight > 0 || head === undefined) return;
    head.gotAudio = true;
    const atMs = this.now();
    for (const payload of this.framer.push(bytes)) {
      this.queue.push({ type: 'frame', sentence: head.index, frame: { kind: 'ulaw', payload }, atMs });
    }
    this.refreshWatchdog(true);
  }

  private onFlushed(): void {
    if (this.clearsInFlight > 0) return;
    const head = this.pending.shift();
    if (head === undefined) return;
    const atMs = this.now();
    const last = this.framer.finish();
    if (last !== null) this.queue.push({ type: 'frame', sentence: head.index, frame: { kind: 'ulaw', payload: last }, atMs });
    this.queue.push({ type: 'sentence_done', sentence: head.index, atMs });
    this.completeEmptyHead();
    this.refreshWatchdog(true);
  }

  /** Sentences with nothing to synthesize are done as soon as they are next (no audio can precede them). */
  private completeEmptyHead(): void {
    while (this.pending[0]?.empty === true) {
      const { index } = this.pending.shift()!;
      this.queue.push({ type: 'sentence_done', sentence: index, atMs: this.now() });
    }
  }

  /**
   * Arms the deadline for what is awaited next: Cleared, the first audio of
   * the next sentence, or more audio (or Flushed) of the current one. It is
   * re-armed on progress or when the awaited thing changes, never merely
   * because another sentence was queued behind.
   */
  private refreshWatchdog(progress: boolean): void {
    const head = this.pending[0];
    const state = this.phase !== 'open' ? 'closed' : this.clearsInFlight > 0 ? 'cleared' : head === undefined ? 'idle' : `${head.index}:${head.gotAudio}`;
    if (!progress && state === this.watchedState) return;
    this.watchedState = state;
    if (state === 'closed' || state === 'idle') {
      this.watchdog.disarm();
      return;
    }
    const { firstAudioTimeoutMs, idleTimeoutMs } = this.timeouts;
    const [timeoutMs, detail] =
      state === 'cleared'
        ? [firstAudioTimeoutMs, `no Cleared within ${firstAudioTimeoutMs} ms`]
        : head!.gotAudio
          ? [idleTimeoutMs, `sentence ${head!.index} stalled: no audio for ${idleTimeoutMs} ms`]
          : [firstAudioTimeoutMs, `no audio for sentence ${head!.index} within ${firstAudioTimeoutMs} ms`];
    this.watchdog.arm(timeoutMs, () => this.failWith(this.error('timeout', true, detail)));
  }

  private onClose(code: number, reason: string): void {
    if (this.phase !== 'open') return;
    // Closed by the service or the network; a socket error arrives as close 1000 then the error.
    this.shutDown();
    queueMicrotask(() => {
      const error = this.lastErrorMessage !== null && code === 1000 ? closeError('tts', 1006, this.lastErrorMessage, this.apiKey) : closeError('tts', code, reason, this.apiKey);
      this.queue.fail(error);
    });
  }

  private failWith(error: ProviderError): void {
    if (this.phase !== 'open') return;
    this.shutDown();
    this.queue.fail(error);
  }

  private shutDown(): void {
    this.phase = 'closed';
    this.watchdog.disarm();
    this.detachAbort();
    safeClose(this.socket);
  }

  private error(code: ProviderError['code'], retryable: boolean, detail: string): ProviderError {
    return new ProviderError({ provider: 'tts', vendor: 'deepgram', code, retryable }, detail);
  }
}

/** Splits text into Speak messages of at most SPEAK_TEXT_MAX_CHARS, at whitespace when there is any. */
export function speakPieces(text: string, maxChars = SPEAK_TEXT_MAX_CHARS): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars - 1);
    const cut = space > 0 ? space + 1 : maxChars;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}
