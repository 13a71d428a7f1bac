// In-memory speech-to-text, language model and text-to-speech providers
// (media/providers/types.ts) that a test drives by hand: the STT says what the
// caller said, each LLM round streams what the test tells it to, and the TTS
// turns each sentence into audio frames (a quiet tone, a few frames per word)
// on a later turn of the event loop, as a network service would. They keep the
// interfaces' rules: one consumer per stream, an abort ends a stream quietly,
// failures are thrown from the stream, clear() drops sentences not yet heard.
import { encodeUlaw } from '../../../media/codec/g711.js';
import { AsyncQueue } from '../../../media/providers/async-queue.js';
import { ProviderError } from '../../../media/providers/provider-error.js';
import type {
  LlmEvent,
  LlmProvider,
  LlmRequest,
  SttEvent,
  SttProvider,
  SttStream,
  SttStreamOptions,
  TtsFrame,
  TtsOutput,
  TtsProvider,
  TtsSession,
} from '../../../media/providers/types.js';

const QUEUE_CAPACITY = 10_000;
/** Audio a stream's send() carries per call: one 20 ms frame. */
const FRAME_MS = 20;
const overflow = (): Error => new Error('in-memory provider queue overflow');

/** A failure as the vendor clients report it (message names vendor and provider, never a key). */
export function providerFailure(provider: 'stt' | 'llm' | 'tts', message: string, retryable = true): ProviderError {
  const vendor = provider === 'llm' ? 'openai' : 'deepgram';
  return new ProviderError({ provider, vendor, code: 'connection', retryable }, message);
}

// --- speech to text --------------------------------------------------------------------

export class InMemorySttStream implements SttStream {
  readonly options: SttStreamOptions;
  framesSent = 0;
  lastFrame: Uint8Array | null = null;
  closeCalls = 0;
  readonly droppedFrames = 0;
  /** End of the caller's audio the last final covered (ms of audio sent). */
  #audioEndMs = 0;
  readonly #events = new AsyncQueue<SttEvent>({ capacity: QUEUE_CAPACITY, overflowError: overflow });

  constructor(options: SttStreamOptions) {
    this.options = options;
    options.signal.addEventListener('abort', () => this.#events.end(), { once: true });
  }

  get events(): AsyncIterable<SttEvent> {
    return this.#events;
  }

  get closed(): boolean {
    return this.closeCalls > 0 || this.options.signal.aborted;
  }

  send(audio: Uint8Array): void {
    this.framesSent += 1;
    this.lastFrame = Uint8Array.from(audio);
  }

  keepAlive(): void {}

  close(): Promise<void> {
    this.closeCalls += 1;
    this.#events.end();
    return Promise.resolve();
  }

  /**
   * The caller said `text` (speechFinal: the service heard the end of the
   * utterance). Its words span the audio since the previous final up to what
   * was sent so far (at least 1 ms), so audio times only move forward, as a
   * real service reports them.
   */
  final(text: string, atMs: number, speechFinal = true): void {
    const audioStartMs = this.#audioEndMs;
    this.#audioEndMs = Math.max(this.framesSent * FRAME_MS, audioStartMs + 1);
    this.#events.push({ type: 'final', text, speechFinal, atMs, audioStartMs, audioEndMs: this.#audioEndMs });
  }

  /** No word since the end of the last final. */
  utteranceEnd(atMs: number): void {
    this.#events.push({ type: 'utterance_end', atMs, audioEndMs: this.#audioEndMs });
  }

  fail(error: unknown): void {
    this.#events.fail(error);
  }
}

export class InMemoryStt implements SttProvider {
  readonly streams: InMemorySttStream[] = [];
  /** The next open() rejects with this. */
  openFailure: Error | null = null;
  #held: Promise<void> | null = null;

  /** Keeps open() pending until the returned function is called. */
  holdOpen(): () => void {
    let release!: () => void;
    this.#held = new Promise((resolve) => (release = resolve));
    return release;
  }

  async open(options: SttStreamOptions): Promise<SttStream> {
    if (this.#held) await this.#held;
    if (this.openFailure) throw this.openFailure;
    const stream = new InMemorySttStream(options);
    this.streams.push(stream);
    return stream;
  }

  async probe(): Promise<void> {}
}

// --- language model --------------------------------------------------------------------

/** One streamed chat completion, driven by the test. */
export class LlmRound {
  readonly request: LlmRequest;
  readonly #events = new AsyncQueue<LlmEvent>({ capacity: QUEUE_CAPACITY, overflowError: overflow });
  readonly #now: () => number;

  constructor(request: LlmRequest, now: () => number) {
    this.request = request;
    this.#now = now;
    request.signal.addEventListener('abort', () => this.#events.end(), { once: true });
  }

  get events(): AsyncIterable<LlmEvent> {
    return this.#events;
  }

  get aborted(): boolean {
    return this.request.signal.aborted;
  }

  text(delta: string): this {
    this.#events.push({ type: 'text', delta, atMs: this.#now() });
    return this;
  }

  toolCall(id: string, name: string, args: unknown): this {
    this.#events.push({ type: 'tool_call', id, name, arguments: args, atMs: this.#now() });
    return this;
  }

  done(finishReason = 'stop'): void {
    this.#events.push({ type: 'done', finishReason, atMs: this.#now() });
    this.#events.end();
  }

  /** Streams `deltas` and ends the round. */
  reply(...deltas: string[]): void {
    for (const delta of deltas) this.text(delta);
    this.done();
  }

  fail(error: unknown): void {
    this.#events.fail(error);
  }
}

export class InMemoryLlm implements LlmProvider {
  readonly rounds: LlmRound[] = [];
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    const round = new LlmRound(request, this.#now);
    this.rounds.push(round);
    return round.events;
  }

  async probe(): Promise<void> {}
}

// --- text to speech --------------------------------------------------------------------

/** 20 ms of a quiet 440 Hz tone (about -33 dBFS), so that barge-in sees the agent's own audio. */
function toneFrame(index: number, kind: 'ulaw' | 'pcm'): TtsFrame {
  const samples = new Int16Array(160);
  for (let i = 0; i < 160; i += 1) samples[i] = Math.round(1000 * Math.sin((2 * Math.PI * 440 * (index * 160 + i)) / 8000));
  if (kind === 'pcm') return { kind, samples };
  const payload = new Uint8Array(160);
  encodeUlaw(samples, payload);
  return { kind, payload };
}

export class InMemoryTtsSession implements TtsSession {
  readonly voice: string;
  /** Every sentence asked for, by index. */
  readonly spoken: string[] = [];
  clears = 0;
  closeCalls = 0;
  readonly #framesPerWord: number;
  readonly #frameKind: 'ulaw' | 'pcm';
  readonly #output = new AsyncQueue<TtsOutput>({ capacity: QUEUE_CAPACITY, overflowError: overflow });
  readonly #now: () => number;
  /** Sentences below this index were cleared: nothing more of them is yielded. */
  #clearedBelow = 0;
  #automatic: boolean;

  constructor(options: { voice: string; signal: AbortSignal; framesPerWord: number; frameKind: 'ulaw' | 'pcm'; automatic: boolean; now: () => number }) {
    this.voice = options.voice;
    this.#framesPerWord = options.framesPerWord;
    this.#frameKind = options.frameKind;
    this.#automatic = options.automatic;
    this.#now = options.now;
    options.signal.addEventListener('abort', () => this.#output.end(), { once: true });
  }

  get output(): AsyncIterable<TtsOutput> {
    return this.#output;
  }

  get closed(): boolean {
    return this.closeCalls > 0;
  }

  /** Frames the session makes for `text`. */
  framesFor(text: string): number {
    return Math.max(1, text.trim().split(/\s+/).length * this.#framesPerWord);
  }

  speak(text: string): number {
    const sentence = this.spoken.length;
    this.spoken.push(text);
    if (this.#automatic) setImmediate(() => this.synthesize(sentence));
    return sentence;
  }

  /** Yields sentence `sentence`'s audio and its end (automatic sessions do it by themselves). */
  synthesize(sentence: number, frames = this.framesFor(this.spoken[sentence] ?? '')): void {
    if (sentence < this.#clearedBelow || !this.#output.open) return;
    for (let index = 0; index < frames; index += 1) {
      this.#output.push({ type: 'frame', sentence, frame: toneFrame(index, this.#frameKind), atMs: this.#now() });
    }
    this.#output.push({ type: 'sentence_done', sentence, atMs: this.#now() });
  }

  clear(): void {
    this.clears += 1;
    this.#clearedBelow = this.spoken.length;
  }

  fail(error: unknown): void {
    this.#output.fail(error);
  }

  close(): Promise<void> {
    this.closeCalls += 1;
    this.#output.end();
    return Promise.resolve();
  }
}

export interface InMemoryTtsOptions {
  framesPerWord?: number;
  /** mu-law as Deepgram sends it (default), or PCM as the OpenAI provider yields after resampling. */
  frameKind?: 'ulaw' | 'pcm';
  /** False: sentences are synthesized only when the test calls session.synthesize(). */
  automatic?: boolean;
  sentencesPerMinuteLimit?: number;
  now?: () => number;
}

export class InMemoryTts implements TtsProvider {
  readonly sessions: InMemoryTtsSession[] = [];
  readonly sentencesPerMinuteLimit?: number;
  /** The next open() rejects with this. */
  openFailure: Error | null = null;
  readonly #framesPerWord: number;
  readonly #frameKind: 'ulaw' | 'pcm';
  readonly #automatic: boolean;
  readonly #now: () => number;

  constructor(options: InMemoryTtsOptions = {}) {
    this.#framesPerWord = options.framesPerWord ?? 2;
    this.#frameKind = options.frameKind ?? 'ulaw';
    this.#automatic = options.automatic ?? true;
    this.#now = options.now ?? (() => performance.now());
    if (options.sentencesPerMinuteLimit !== undefined) this.sentencesPerMinuteLimit = options.sentencesPerMinuteLimit;
  }

  open(options: { voice: string; signal: AbortSignal }): Promise<TtsSession> {
    if (this.openFailure) return Promise.reject(this.openFailure);
    if (options.signal.aborted) return Promise.reject(options.signal.reason);
    const session = new InMemoryTtsSession({
      ...options,
      framesPerWord: this.#framesPerWord,
      frameKind: this.#frameKind,
      automatic: this.#automatic,
      now: this.#now,
    });
    this.sessions.push(session);
    return Promise.resolve(session);
  }

  async probe(): Promise<void> {}
}
