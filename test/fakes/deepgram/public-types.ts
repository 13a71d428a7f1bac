// Public types of the Deepgram fake (live STT on /v1/listen, Aura streaming TTS on /v1/speak).
// Times ending in `AtMs` are epoch milliseconds with sub-millisecond resolution (clock.ts nowMs).

export interface ListenKnobs {
  /** Wall-clock delay added before every message the listen socket sends (0 = at once). */
  resultLatencyMs: number;
  /** Audio time between interim results while speech lasts (Deepgram: about 1 s). */
  interimIntervalMs: number;
  /** RMS level (int16 scale) from which a 10 ms frame counts as voiced. */
  vadThresholdRms: number;
  /** Voiced audio needed before speech counts as started. */
  speechOnsetMs: number;
  /** With endpointing=false: silence after which speech counts as paused. */
  pauseMsWithoutEndpointing: number;
  /** Pace at which interim results reveal the scripted words. */
  wordsPerSecond: number;
  /** No audio and no text message for this long closes with 1011 NET-0001 (0 disables). Deepgram: 10 s. */
  noAudioTimeoutMs: number;
}

export interface SpeakKnobs {
  /** Wall-clock delay from a Flush (or the end of the previous flush's audio) to its first audio chunk. */
  firstAudioLatencyMs: number;
  /** Chunk pacing relative to real time: 0 = all chunks at once, 1 = real time, 0.5 = twice as fast. */
  realTimeFactor: number;
  /** Audio per binary message. */
  chunkMs: number;
  msPerCharacter: number;
  minSpeechMs: number;
}

export interface FakeDeepgramOptions {
  /** The key the fake accepts (`Authorization: Token <key>`); default 'dg-test-key'. */
  apiKey?: string;
  listen?: Partial<ListenKnobs>;
  speak?: Partial<SpeakKnobs>;
}

export type DeepgramPath = 'listen' | 'speak';

export interface HandshakeRecord {
  atMs: number;
  path: string;
  query: Record<string, string>;
  /** 101 when upgraded, otherwise the refusal status. */
  status: number;
  /** Request headers without authorization. */
  headers: Record<string, string>;
}

export interface RestRequestRecord {
  atMs: number;
  method: string;
  path: string;
  status: number;
}

export interface SentMessageRecord {
  atMs: number;
  type: string;
}

export interface ControlMessageRecord {
  atMs: number;
  type: string;
}

export interface ConnectionCloseRecord {
  atMs: number;
  code: number;
  reason: string;
  by: 'client' | 'server';
}

export interface ListenConnectionInfo {
  id: number;
  requestId: string;
  query: Record<string, string>;
  openedAtMs: number;
  audioBytes: number;
  audioChunks: number;
  /** Seconds of audio the fake decoded (0 when the encoding is not one it can decode). */
  audioSeconds: number;
  keepAlives: number;
  controlMessages: ControlMessageRecord[];
  sent: SentMessageRecord[];
  finals: FinalTranscriptRecord[];
  closed: ConnectionCloseRecord | null;
}

export interface FinalTranscriptRecord {
  connectionId: number;
  transcript: string;
  /** False when the script was empty and the final carried an empty transcript. */
  scripted: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
  /** Audio time of the voiced span the words were placed on (null for an empty Finalize result). */
  speechStartSec: number | null;
  speechEndSec: number | null;
  /** When the audio holding the last voiced frame arrived: the caller stopped talking then. */
  speechEndArrivedAtMs: number | null;
  /** When the audio (or Finalize/CloseStream) that made the fake decide arrived. */
  decidedAtMs: number;
  /** When the Results message was written to the socket. */
  sentAtMs: number;
}

export interface SpeakTextRecord {
  atMs: number;
  text: string;
}

export interface FlushRecord {
  connectionId: number;
  sequenceId: number;
  text: string;
  flushReceivedAtMs: number;
  firstAudioSentAtMs: number | null;
  lastAudioSentAtMs: number | null;
  flushedSentAtMs: number | null;
  audioBytesSent: number;
  /** Bytes the whole text's audio has (what a complete playback delivers). */
  audioBytesTotal: number;
  chunksSent: number;
  outcome: 'pending' | 'flushed' | 'cleared' | 'failed' | 'connection-closed';
}

export interface SpeakConnectionInfo {
  id: number;
  requestId: string;
  query: Record<string, string>;
  model: string;
  encoding: 'linear16' | 'mulaw' | 'alaw';
  sampleRate: number;
  openedAtMs: number;
  texts: SpeakTextRecord[];
  flushes: FlushRecord[];
  clears: number;
  controlMessages: ControlMessageRecord[];
  sent: SentMessageRecord[];
  closed: ConnectionCloseRecord | null;
}

export interface DropOptions {
  /** Close code; default 1011 (Deepgram's code for server-side stream errors). */
  code?: number;
  reason?: string;
  /** Destroy the TCP socket without a close frame (the client sees 1006). */
  abrupt?: boolean;
  path?: DeepgramPath;
}

/** A one-shot fault for the next connection on a path: dropped after some time or some messages. */
export interface ConnectionDrop extends DropOptions {
  path: DeepgramPath;
  /** Drop this long after the connection opened. */
  afterMs?: number;
  /** Drop right after the server wrote this many messages (JSON or audio) on it. */
  afterMessages?: number;
}

export interface SpeakStreamFailure {
  /** Audio chunks of the next flushed text to send before failing (0 = fail before any audio). */
  afterChunks: number;
  /** 'close': close frame 1011; 'destroy': TCP socket destroyed without a close frame. */
  mode: 'close' | 'destroy';
}
