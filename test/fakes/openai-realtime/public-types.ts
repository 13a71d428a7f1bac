// Public types of the OpenAI Realtime fake. Times ending in `AtMs` are epoch
// milliseconds with sub-millisecond resolution (clock.ts).
import type { RealtimeErrorBody } from './client-events.js';

export interface ToolCallScript {
  name: string;
  /** Serialised with JSON.stringify and streamed in pieces, as the model's arguments string. */
  arguments: unknown;
  /** Default: a deterministic 'call_…' id. */
  callId?: string;
}

/** What the scripted model answers to one response.create (or an automatic response). */
export interface RealtimeReply {
  /** Spoken (synthetic voice) with its transcript; absent or '' says nothing. */
  text?: string;
  toolCalls?: ToolCallScript[];
}

/** What the responder sees of the conversation when a response starts. */
export interface ResponseView {
  /** 1 for the connection's first response. */
  seq: number;
  /** The conversation's items in order, reduced to what a script decides on. */
  items: ItemView[];
  /** Transcript (scripted) of the newest user audio item, or the text of the newest user text item. */
  lastUserText: string | null;
  /** Function call outputs added since the last response. */
  newToolOutputs: { callId: string; output: string }[];
  instructions: string;
  tools: string[];
}

export type ItemView =
  | { type: 'message'; role: 'user' | 'assistant' | 'system'; text: string; audioMs: number; truncatedAtMs: number | null }
  | { type: 'function_call'; callId: string; name: string; arguments: string }
  | { type: 'function_call_output'; callId: string; output: string };

export type RealtimeResponder = (view: ResponseView) => RealtimeReply | Promise<RealtimeReply>;

export interface RealtimeKnobs {
  /** Delay from response.create to the first output event. */
  firstAudioDelayMs: number;
  /** Audio per response.output_audio.delta. */
  chunkMs: number;
  /** Pacing of deltas against real time: 0 = all at once, 1 = real time. */
  realTimeFactor: number;
  /** Length of the synthetic voice per character of text. */
  msPerCharacter: number;
  /** Delay from a commit to its input_audio_transcription.completed. */
  transcriptionDelayMs: number;
  /** Input level (int16 RMS over 10 ms) the server VAD counts as speech. */
  vadThresholdRms: number;
  /** Voiced audio the server VAD needs before speech_started (rejects clicks). */
  vadOnsetMs: number;
}

/** One-shot failure of the next response. */
export type ResponseFailure =
  /** An `error` server event (server_error) and response.done with status 'failed'. */
  | { error: { message: string; code?: string | null; type?: 'server_error' | 'invalid_request_error' } }
  /** The connection is dropped (TCP reset) after this many audio deltas of the response. */
  | { dropAfterAudioDeltas: number };

export interface RecordedClientEvent {
  atMs: number;
  type: string;
  /** The event as sent, with `audio` payloads replaced by their decoded length in ms. */
  event: Record<string, unknown>;
  /** The error the event was answered with, if it was refused. */
  error: RealtimeErrorBody | null;
}

export interface ResponseRecord {
  id: string;
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';
  /** The assistant message item of the response, if it spoke. */
  itemId: string | null;
  text: string;
  toolCalls: { callId: string; name: string; arguments: string }[];
  /** Audio sent in response.output_audio.delta events. */
  audioMsSent: number;
  createdAtMs: number;
  firstAudioAtMs: number | null;
  doneAtMs: number | null;
}

export interface TruncationRecord {
  itemId: string;
  audioEndMs: number;
  /** Audio the item had when it was truncated. */
  itemAudioMs: number;
}

export interface ConnectionRecord {
  seq: number;
  model: string;
  openedAtMs: number;
  closedAtMs: number | null;
  /** Request headers (authorization left out). */
  headers: Record<string, string>;
  /** The session as the last session.updated described it. */
  session: Record<string, unknown>;
  clientEvents: RecordedClientEvent[];
  /** Every `error` server event sent. */
  errors: RealtimeErrorBody[];
  responses: ResponseRecord[];
  truncations: TruncationRecord[];
  /** Input audio appended, in ms. */
  inputAudioMs: number;
  /** Server events sent, by type, in order. */
  serverEventTypes: string[];
}

export interface FakeOpenAiRealtimeOptions {
  /** The key the fake accepts (`Authorization: Bearer <key>`); default 'sk-test-key'. */
  apiKey?: string;
  knobs?: Partial<RealtimeKnobs>;
}
