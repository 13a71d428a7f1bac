// The gateway's provider seams: speech to text, the language model and text
// to speech, each a small interface with a per-call stream object. Streams are
// AsyncIterables ended by close() or an AbortSignal; failures are thrown as
// ProviderError (provider-error.ts); an abort is never an error. `atMs` values
// are performance.now() when the event was received or produced.

// --- Speech to text: one live stream per call -------------------------------------------

export interface SttStreamOptions {
  encoding: 'mulaw';
  sampleRate: 8000;
  /** BCP-47 tag, e.g. 'en-US'. */
  language: string;
  /** Silence that ends an utterance (speech_final). */
  endpointingMs: number;
  /** Gap after the last word that sends utterance_end (Deepgram: at least 1000). */
  utteranceEndMs: number;
  /** Aborting it closes the stream: `events` ends quietly. */
  signal: AbortSignal;
}

/**
 * `atMs` is when the event arrived. The audio times say which audio it is
 * about (for words: from the first word's start to the last word's end): from a provider's stream, ms of audio since the stream's first byte;
 * from a stream that survives reconnections (resilient-stt.ts), the time on
 * the call's clock at which that audio was sent, like `atMs`.
 */
export type SttEvent =
  /** The service heard speech begin at `audioMs`. */
  | { type: 'speech_started'; atMs: number; audioMs: number }
  | { type: 'interim'; text: string; atMs: number; audioStartMs: number; audioEndMs: number }
  | { type: 'final'; text: string; speechFinal: boolean; atMs: number; audioStartMs: number; audioEndMs: number }
  /** No word since `audioEndMs` (the end of the last word) for the configured gap. */
  | { type: 'utterance_end'; atMs: number; audioEndMs: number };

export interface SttStream {
  /** One 20 ms mu-law frame; never throws (dropped and counted when the socket is not open). */
  send(audio: Uint8Array): void;
  /** Deepgram KeepAlive; a no-op when the socket is not open. */
  keepAlive(): void;
  /**
   * Ends when closed; throws ProviderError when the stream fails (socket dropped, error close code).
   * One consumer; leaving its loop early drops the events for good (close() still releases the stream).
   */
  readonly events: AsyncIterable<SttEvent>;
  /** Frames send() could not deliver (socket not open). */
  readonly droppedFrames: number;
  /** CloseStream (the service sends its last results), then close; idempotent. */
  close(): Promise<void>;
}

export interface SttProvider {
  /** Rejects with ProviderError (retryable false for a refused key), or the signal's reason when aborted. */
  open(options: SttStreamOptions): Promise<SttStream>;
  /** Resolves when the service accepts the key; rejects with ProviderError. */
  probe(signal: AbortSignal): Promise<void>;
}

// --- LLM: OpenAI-compatible chat completions, streaming, tools --------------------------

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: { id: string; name: string; arguments: string }[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export type LlmEvent =
  | { type: 'text'; delta: string; atMs: number }
  /** Emitted once per call, complete, after the text; `arguments` is the parsed JSON. */
  | { type: 'tool_call'; id: string; name: string; arguments: unknown; atMs: number }
  | { type: 'done'; finishReason: string; atMs: number };

export interface LlmRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** Aborting it ends the iteration quietly and cancels the HTTP request. */
  signal: AbortSignal;
}

export interface LlmProvider {
  stream(request: LlmRequest): AsyncIterable<LlmEvent>;
  probe(signal: AbortSignal): Promise<void>;
}

// --- Text to speech: output normalized to 20 ms, 8 kHz frames ---------------------------

export type TtsFrame =
  | { kind: 'ulaw'; payload: Uint8Array /* 160 bytes */ }
  | { kind: 'pcm'; samples: Int16Array /* 160 samples */ };

export type TtsOutput =
  | { type: 'frame'; sentence: number; frame: TtsFrame; atMs: number }
  | { type: 'sentence_done'; sentence: number; atMs: number };

export interface TtsSession {
  /** Queues a sentence and returns its index (0, 1, 2... per session); its audio follows earlier sentences'. */
  speak(text: string): number;
  /** Barge-in: nothing of the sentences queued so far (audio or sentence_done) is yielded any more. */
  clear(): void;
  /**
   * For the whole session; ends on close(), throws ProviderError on failure. One consumer; leaving
   * its loop early ends the output for good (close() still releases the session).
   */
  readonly output: AsyncIterable<TtsOutput>;
  close(): Promise<void>;
}

export interface TtsProvider {
  /**
   * Sentences (flushes) one session may take per minute, when the vendor limits
   * it (Deepgram Aura: 20); callers then move to a fresh session in time.
   */
  readonly sentencesPerMinuteLimit?: number;
  /** `voice`: the vendor's voice or model name; rejects like SttProvider.open. */
  open(options: { voice: string; signal: AbortSignal }): Promise<TtsSession>;
  probe(signal: AbortSignal): Promise<void>;
}
