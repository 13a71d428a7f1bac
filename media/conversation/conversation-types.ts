// Events into and effects out of the conversation state machine. Time is
// always an argument (ms, performance.now() base); the machine reads no clock.
import type { CallAction, TurnReport } from '../contract/backend.js';
import type { ChatMessage } from '../providers/types.js';

export interface LlmToolCall {
  readonly id: string;
  readonly name: string;
  /** Parsed JSON arguments. */
  readonly arguments: unknown;
}

/** What a key can do without the LLM, per business (e.g. 0 = a person). */
export type KeypadAction = 'transfer' | 'end_call';

/** Short phrases synthesized once and cached (per business, voice and text). */
export type ClipName = 'greeting' | 'reprompt' | 'goodbye' | 'apology' | 'transfer_notice' | 'filler' | 'filler_more';

export type ConversationEvent =
  /** The media started (the caller can hear us from now on); `wallMs` is Date.now() at that moment. */
  | { type: 'start'; atMs: number; wallMs: number }
  /** Local voice activity: the caller started speaking (onset time). */
  | { type: 'caller_speech_start'; atMs: number }
  /** Local voice activity: the caller stopped speaking (end of the last speech frame). */
  | { type: 'caller_speech_end'; atMs: number }
  /**
   * The caller interrupted the agent (local detection, echo-safe). The
   * coordinator already knows what the caller actually heard of the turn.
   */
  | { type: 'barge_in'; atMs: number; onsetMs: number; playedText: string }
  | { type: 'stt_final'; text: string; speechFinal: boolean; atMs: number }
  | { type: 'stt_utterance_end'; atMs: number }
  | { type: 'llm_first_token'; turn: number; atMs: number }
  /** One LLM round is over: everything it said and the tools it called (each once, complete). */
  | { type: 'llm_done'; turn: number; atMs: number; text: string; toolCalls: readonly LlmToolCall[] }
  | { type: 'tts_first_audio'; turn: number; atMs: number }
  /** The first RTP packet carrying this turn's audio left for Asterisk. */
  | { type: 'agent_audio_sent'; turn: number; atMs: number }
  /** Everything queued for this turn (or clip) was played. */
  | { type: 'agent_audio_done'; turn: number; atMs: number }
  | { type: 'action_result'; turn: number; toolCallId: string; ok: boolean; message: string | null }
  /** A business tool (HTTP, MCP) answered; `content` is what the model reads (a failure says so). */
  | { type: 'tool_result'; turn: number; toolCallId: string; content: string }
  /**
   * The caller pressed a key (the DTMF digit's end). Like a barge-in, it
   * interrupts the agent: `playedText` is what the caller heard of the turn.
   */
  | { type: 'dtmf'; digit: string; atMs: number; playedText: string }
  /** A provider failed for good; `playedText`: what the caller heard of the turn it cut off. */
  | { type: 'provider_error'; provider: 'stt' | 'llm' | 'tts'; error: string; atMs: number; playedText: string }
  /** Periodic (every few ticks): silence, dead air and call-length limits. */
  | { type: 'tick'; atMs: number; agentAudible: boolean };

export type ConversationEffect =
  /** Play a cached clip as agent turn `turn` (its audio counts as that turn's). */
  | { type: 'play_clip'; turn: number; clip: ClipName }
  /** Start (or continue after tool results) the LLM for agent turn `turn`. */
  | { type: 'start_llm'; turn: number; messages: ChatMessage[] }
  /** The LLM is done for this turn: flush the remaining text to TTS and end the speech. */
  | { type: 'finish_speech'; turn: number }
  /** Barge-in or a caller who kept talking: stop the turn's audio, LLM and TTS at once. */
  | { type: 'cancel_turn'; turn: number }
  | { type: 'report_turn'; turn: TurnReport }
  | { type: 'report_failure'; provider: 'stt' | 'llm' | 'tts'; error: string }
  /**
   * Ask the backend (it owns ARI). Must be delivered: it runs even when its
   * turn is cancelled, and for a tool call its answer comes back as action_result.
   */
  | { type: 'action'; turn: number; toolCallId: string | null; action: CallAction }
  /**
   * Run a business tool (HTTP, MCP) in the gateway. Must be delivered like an
   * action: it runs to its end (or its timeout) whatever happens to its turn,
   * and its answer comes back as tool_result.
   */
  | { type: 'run_tool'; turn: number; toolCallId: string; name: string; arguments: unknown }
  /** Nothing more will happen on this call. */
  | { type: 'stop' };

export interface ConversationSettings {
  systemPrompt: string;
  /** The business has someone to transfer to (offers the transfer tool). */
  canTransfer: boolean;
  silenceRepromptMs: number;
  maxReprompts: number;
  maxCallMs: number;
  /** Dead air limit while an answer is prepared: after this long with nothing audible, a short filler plays. */
  fillerAfterMs: number;
  /** Keys that act at once, without the LLM (when pressed first). */
  keypadActions: Readonly<Record<string, KeypadAction>>;
  /** A key sequence without '#' ends after this long without a key. */
  keypadGapMs: number;
  /** Names of the business's own tools (run by the gateway, not the backend); absent: none. */
  isBusinessTool?: (name: string) => boolean;
}
