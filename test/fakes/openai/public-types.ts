// Public types of the OpenAI fake (chat completions, audio speech, audio transcriptions).
// Times ending in `AtMs` are epoch milliseconds with sub-millisecond resolution.

export interface ToolCallScript {
  name: string;
  /** Serialised with JSON.stringify and streamed in pieces, as the model's arguments string. */
  arguments: unknown;
  /** Default: a deterministic 'call_…' id. */
  id?: string;
}

/** What the scripted model answers; every field is optional. */
export interface ChatSuccessReply {
  text?: string;
  toolCalls?: ToolCallScript[];
  /** Destroy the TCP socket after this many SSE chunks (a connection lost mid-stream). */
  disconnectAfterChunks?: number;
  /** Send this many SSE chunks and then nothing more, the connection left open. */
  stallAfterChunks?: number;
  /** Never answer at all: no status line, no headers (until the client gives up or close()). */
  hang?: boolean;
  firstTokenLatencyMs?: number;
  interTokenDelayMs?: number;
}

/** An HTTP error in OpenAI's shape: {"error":{"message","type","param","code"}}. */
export interface ChatErrorReply {
  status: number;
  message: string;
  /** Default by status: 429 'requests', 5xx 'server_error', else 'invalid_request_error'. */
  type?: string;
  /** Default by status: 429 'rate_limit_exceeded', else null. */
  code?: string | null;
  /** Sent as `retry-after-ms`, which the SDK honours between its retries. */
  retryAfterMs?: number;
}

export type ChatReply = ChatSuccessReply | ChatErrorReply;

export interface ChatRequestView {
  seq: number;
  /** The request body as sent. */
  body: Record<string, unknown>;
  messages: Array<Record<string, unknown>>;
  tools: Array<Record<string, unknown>>;
  /** Text of the last user message, or null. */
  lastUserText: string | null;
}

export type ChatResponder = (request: ChatRequestView) => ChatReply | Promise<ChatReply>;

export interface ChatKnobs {
  /** Delay from the request to the response headers and the first chunk. */
  firstTokenLatencyMs: number;
  /** Delay between chunks (0 = all chunks written at once). */
  interTokenDelayMs: number;
}

export interface SpeechKnobs {
  firstByteLatencyMs: number;
  /** Chunk pacing relative to real time: 0 = as fast as possible, 1 = real time. */
  realTimeFactor: number;
  chunkMs: number;
  msPerCharacter: number;
  minSpeechMs: number;
}

export type SpeechFailure = ChatErrorReply | { disconnectAfterChunks: number } | { hang: true };

/** A transcription request as the fake read it (also its RecordedRequest's `body`). */
export interface TranscriptionRequestView {
  seq: number;
  model: string;
  /** ISO-639-1, or null when not sent. */
  language: string | null;
  responseFormat: string;
  fileName: string;
  fileType: string;
  fileBytes: number;
  /** Length of a WAV file's audio; null for other formats (not decoded). */
  durationMs: number | null;
  sampleRate: number | null;
}

/** What the fake's speech recognition "hears": the text to answer, '' for nothing. */
export type TranscriptionResponder = (request: TranscriptionRequestView) => string | Promise<string>;

/** An HTTP error, a connection dropped before the answer, or no answer at all. */
export type TranscriptionFailure = ChatErrorReply | { disconnect: true } | { hang: true };

export interface TranscriptionKnobs {
  /** Delay from the request to the answer (inference time). */
  latencyMs: number;
}

export interface FakeOpenAIOptions {
  /** The key the fake accepts (`Authorization: Bearer <key>`); default 'sk-test-key'. */
  apiKey?: string;
  chat?: Partial<ChatKnobs>;
  speech?: Partial<SpeechKnobs>;
  transcription?: Partial<TranscriptionKnobs>;
}

export type RequestOutcome = 'pending' | 'completed' | 'error' | 'disconnected' | 'stalled' | 'hung' | 'client-aborted';

export interface RecordedRequest {
  seq: number;
  receivedAtMs: number;
  method: string;
  path: string;
  /** Request headers without authorization. */
  headers: Record<string, string>;
  /** Parsed JSON body (null when it was not JSON). */
  body: unknown;
  /** Status sent, or null while no response has started. */
  status: number | null;
  outcome: RequestOutcome;
  /** Response headers and first chunk (SSE) or first audio bytes. */
  firstByteSentAtMs: number | null;
  lastByteSentAtMs: number | null;
  /** SSE chunks (chat) or audio chunks (speech) written. */
  chunksSent: number;
  /** Audio bytes written (speech). */
  audioBytesSent: number;
}
