// The conversation machine's bookkeeping of one agent turn and of the caller's
// turn in progress (pure data; the machine owns the rules).
import type { AfterSpeech } from './tool-calls.js';
import type { ClipName } from './conversation-types.js';

export interface AgentTurn {
  readonly turn: number;
  readonly clip: ClipName | null;
  readonly startedAtMs: number;
  /** The caller turn this answers: latencies are measured from its end of speech. */
  speechEndMs: number | null;
  /**
   * The transcript came while the local VAD still heard the caller (its
   * hangover had not run out): the real end of speech arrives just after.
   */
  speechEndPending: { seq: number; text: string; startedMs: number; dtmf: string | null } | null;
  sttFinalMs: number | null;
  firstTokenMs: number | null;
  firstAudioMs: number | null;
  firstSentMs: number | null;
  /** Every word of the turn (what the caller hears if not interrupted). */
  text: string;
  /** Words of the last LLM round, not yet in the history (added once heard). */
  lastRoundText: string;
  /** Words of earlier rounds, already in the history with their tool calls. */
  textInHistory: string;
  /** Results of this turn's tool calls still to come from the backend. */
  pendingToolResults: number;
  /** Business tools (HTTP, MCP) of this turn still running: dead air meanwhile gets a filler sooner. */
  toolsRunning: number;
  /** The next LLM round waits for tool replies (of this turn or one it replaced). */
  waitingForToolReplies: boolean;
  llmDone: boolean;
  /** Set when the call ends or moves once the turn's words are played; never undone. */
  afterSpeech: AfterSpeech | null;
}

export function newAgentTurn(turn: number, atMs: number, clip: ClipName | null, clipText: string, speechEndMs: number | null): AgentTurn {
  return {
    turn,
    clip,
    startedAtMs: atMs,
    speechEndMs,
    speechEndPending: null,
    sttFinalMs: null,
    firstTokenMs: null,
    firstAudioMs: null,
    firstSentMs: null,
    text: clipText,
    lastRoundText: '',
    textInHistory: '',
    pendingToolResults: 0,
    toolsRunning: 0,
    waitingForToolReplies: false,
    llmDone: clip !== null,
    afterSpeech: null,
  };
}

export interface CallerTurn {
  speaking: boolean;
  speechStartMs: number | null;
  speechEndMs: number | null;
  /** Transcripts (and key entries, in words) not answered yet. */
  texts: string[];
  /** Keys of those entries. */
  dtmf: string;
  /** Seq of the caller turn record when it may still be merged into by a caller who keeps going. */
  seq: number | null;
  /** Keys of that record (kept when it is merged into). */
  seqDtmf: string;
}

export function quietCaller(): CallerTurn {
  return { speaking: false, speechStartMs: null, speechEndMs: null, texts: [], dtmf: '', seq: null, seqDtmf: '' };
}
