// The agent turns of a conversation and the history they build (pure): how a
// caller turn is committed (or merged into the last one), how an LLM round and
// its tool calls are recorded, how a turn ends, is interrupted, or ends the
// call. The rules of when each happens (events, keys, timers, failures) are
// ConversationMachine's, which extends this class.
//
// Must-deliver: a tool call that started (a message stored, a transfer or a
// hang-up requested) completes and its result is recorded whatever happens to
// its turn, and the history sent to the LLM always pairs every tool call with
// a reply (chat-history.ts). A turn that ends the call (goodbye, transfer) is
// never undone: a barge-in cuts its words short and the action happens at once.
import type { TurnReport } from '../contract/backend.js';
import { newAgentTurn, quietCaller, type AgentTurn, type CallerTurn } from './agent-turn.js';
import { ChatHistory } from './chat-history.js';
import type { ClipName, ConversationEffect, ConversationSettings, LlmToolCall } from './conversation-types.js';
import type { ChatMessage } from '../providers/types.js';
import type { AfterSpeech } from './tool-calls.js';
import { applyToolRound } from './tool-round.js';
import { TurnRecords } from './turn-records.js';

/** The newest history kept for the LLM (the system prompt comes on top). */
const MAX_HISTORY_MESSAGES = 60;

export type Effects = ConversationEffect[];

export class ConversationTurns {
  protected readonly settings: ConversationSettings;
  protected readonly clipTexts: Readonly<Record<ClipName, string>>;
  protected readonly chat = new ChatHistory(MAX_HISTORY_MESSAGES);
  protected readonly records = new TurnRecords();
  protected phase: 'idle' | 'active' | 'stopped' = 'idle';
  protected nextSeq = 0;
  protected startedAtMs = 0;
  protected current: AgentTurn | null = null;
  protected caller: CallerTurn = quietCaller();
  /** Caller words (and keys) that came while the agent was talking and did not interrupt it. */
  protected held: { texts: string[]; dtmf: string } = { texts: [], dtmf: '' };
  protected lastAgentDoneMs = 0;
  protected reprompts = 0;
  /** The system is ending the call (a failure or a limit): nothing else starts. */
  protected ending = false;
  /** A transfer the model asked for has been requested; its outcome decides what follows. */
  protected transferPending: string | null = null;
  /**
   * The STT ended the caller's turn while the local VAD still hears the caller
   * (a pause the STT took for the end): answering now would cut them off, so
   * the turn waits for the VAD's silence (at most MAX_WAIT_FOR_SILENCE_MS).
   */
  protected awaitingSilenceSinceMs: number | null = null;
  /** Last time agent audio (any: answer, clip or filler) was audible. */
  protected lastAudibleMs = 0;
  protected fillersThisTurn = 0;

  constructor(settings: ConversationSettings, clipTexts: Readonly<Record<ClipName, string>>) {
    this.settings = settings;
    this.clipTexts = clipTexts;
  }

  /**
   * Caller input waits (held) rather than being answered: agent audio is
   * playing or about to, or the call is ending or moving.
   */
  protected agentAudible(): boolean {
    const current = this.current;
    if (this.transferPending !== null) return true;
    return current !== null && (current.firstSentMs !== null || current.afterSpeech !== null);
  }

  protected newTurn(atMs: number, clip: ClipName | null, speechEndMs: number | null): AgentTurn {
    const turn = newAgentTurn(this.nextSeq++, atMs, clip, clip ? this.clipTexts[clip] : '', speechEndMs);
    this.current = turn;
    return turn;
  }

  protected playClip(clip: ClipName, atMs: number, effects: Effects, afterSpeech: AfterSpeech | null = null): void {
    const turn = this.newTurn(atMs, clip, null);
    turn.afterSpeech = afterSpeech;
    effects.push({ type: 'play_clip', turn: turn.turn, clip });
  }

  protected endOfCallerTurn(atMs: number, effects: Effects): void {
    if (this.caller.speaking) {
      this.awaitingSilenceSinceMs ??= atMs;
      return;
    }
    this.commitCallerTurn(atMs, effects);
  }

  protected commitCallerTurn(atMs: number, effects: Effects): void {
    this.awaitingSilenceSinceMs = null;
    const current = this.current;
    const caller = this.caller;
    const words = caller.texts.join(' ');
    const startedMs = caller.speechStartMs ?? atMs;
    const continuing = current !== null && current.clip === null && current.firstSentMs === null && caller.seq !== null;
    if (current) effects.push({ type: 'cancel_turn', turn: current.turn });
    // The caller kept going before anything answered them: one longer caller turn, answered afresh.
    const merged = continuing ? this.chat.mergeCallerWords(words) : null;
    let text = words;
    let seq: number;
    let dtmf = caller.dtmf;
    if (merged !== null) {
      text = merged;
      seq = caller.seq!;
      dtmf = caller.seqDtmf + dtmf;
    } else {
      // Something came after the caller's last words (a tool ran and its reply is in
      // the history): that stays, and these words are a new caller turn after it.
      this.chat.addCallerWords(words);
      seq = this.nextSeq++;
    }
    // Answered at once (lowest latency), even if the VAD's hangover has not yet
    // confirmed the silence: if the caller goes on, the turns merge (above).
    const stillSpeaking = caller.speaking;
    const speechEndMs = stillSpeaking ? atMs : (caller.speechEndMs ?? atMs);
    effects.push({ type: 'report_turn', turn: this.records.caller(seq, text, startedMs, speechEndMs, dtmf || null) });
    this.reprompts = 0;
    const turn = this.newTurn(atMs, null, speechEndMs);
    turn.sttFinalMs = atMs;
    if (stillSpeaking) turn.speechEndPending = { seq, text, startedMs, dtmf: dtmf || null };
    this.fillersThisTurn = 0;
    this.caller = { ...quietCaller(), speaking: stillSpeaking, speechStartMs: startedMs, seq, seqDtmf: dtmf };
    this.startRound(turn, effects);
  }

  /** Asks the LLM for `turn` now, or once every tool call has its reply (the request must pair them). */
  protected startRound(turn: AgentTurn, effects: Effects): void {
    turn.waitingForToolReplies = this.chat.unansweredToolCalls > 0;
    if (!turn.waitingForToolReplies) effects.push({ type: 'start_llm', turn: turn.turn, messages: this.messages() });
  }

  /**
   * The VAD's end of speech after the transcript: the true reference for the
   * answer's latencies (and the caller turn's end), unless the caller spoke on
   * past the transcript, in which case the transcript time stays.
   */
  protected settleSpeechEnd(atMs: number, effects: Effects): void {
    const turn = this.current;
    const pending = turn?.speechEndPending;
    if (!turn || !pending) return;
    turn.speechEndPending = null;
    if (turn.sttFinalMs !== null && atMs <= turn.sttFinalMs) {
      turn.speechEndMs = atMs;
      effects.push({ type: 'report_turn', turn: this.records.caller(pending.seq, pending.text, pending.startedMs, atMs, pending.dtmf) });
    }
  }

  protected llmDone(turn: AgentTurn, text: string, calls: readonly LlmToolCall[], effects: Effects): void {
    turn.text += text;
    if (calls.length === 0) {
      turn.lastRoundText = text;
      turn.llmDone = true;
      effects.push({ type: 'finish_speech', turn: turn.turn });
      return;
    }
    this.toolRound(turn, text, calls, effects);
  }

  /** The model called tools (or a key stands for one): record the calls, act, and go on. */
  protected toolRound(turn: AgentTurn, text: string, calls: readonly LlmToolCall[], effects: Effects): void {
    const round = applyToolRound(this.chat, turn, text, calls, this.settings.canTransfer, this.settings.isBusinessTool);
    for (const { toolCallId, action } of round.actions) effects.push({ type: 'action', turn: turn.turn, toolCallId, action });
    for (const call of round.business) effects.push({ type: 'run_tool', turn: turn.turn, toolCallId: call.id, name: call.name, arguments: call.arguments });
    if (round.next === 'ask_again') this.startRound(turn, effects);
    if (round.next !== 'speak') return;
    // The cached line's words stay out of the history: the tool call says it, and its reply may still follow.
    if (round.clip !== null) {
      turn.text = this.clipTexts[round.clip];
      effects.push({ type: 'play_clip', turn: turn.turn, clip: round.clip });
    }
    effects.push({ type: 'finish_speech', turn: turn.turn });
  }

  /**
   * A tool's result, recorded whatever became of its turn (a message stored
   * stays stored, and the history must pair the call). Its turn's next round
   * starts once every result is in; a turn that replaced it waits for them too.
   */
  protected actionResult(turnSeq: number, toolCallId: string, ok: boolean, message: string | null, effects: Effects): void {
    if (toolCallId === this.transferPending) {
      this.transferOutcome(toolCallId, ok, message, effects);
      return;
    }
    this.toolReply(turnSeq, toolCallId, ok ? 'Done.' : `Failed: ${message ?? 'unknown reason'}`, false, effects);
  }

  /**
   * A business tool's answer (or the failure the model is to explain): the
   * same must-deliver path as a backend action's. A second answer to the same
   * call changes nothing.
   */
  protected toolResult(turnSeq: number, toolCallId: string, content: string, effects: Effects): void {
    this.toolReply(turnSeq, toolCallId, content, true, effects);
  }

  protected toolReply(turnSeq: number, toolCallId: string, content: string, business: boolean, effects: Effects): void {
    if (!this.chat.addToolReply(toolCallId, content)) return;
    const current = this.current;
    if (current === null) return;
    if (current.turn === turnSeq) {
      current.pendingToolResults -= 1;
      if (business) current.toolsRunning -= 1;
      if (current.pendingToolResults === 0) this.startRound(current, effects);
    } else if (current.waitingForToolReplies) {
      this.startRound(current, effects);
    }
  }

  /** The transfer the model asked for went through (the call is over here) or was refused (it goes on). */
  protected transferOutcome(toolCallId: string, ok: boolean, message: string | null, effects: Effects): void {
    this.transferPending = null;
    this.chat.addToolReply(toolCallId, ok ? 'Done: the caller is being transferred.' : `Failed: ${message ?? 'the transfer did not go through'}`);
    if (ok) {
      this.stop(effects);
      return;
    }
    // The model tells the caller and offers something else; what the caller said meanwhile is answered with it.
    if (this.held.texts.length > 0) {
      this.releaseHeld(this.lastAgentDoneMs, effects);
      return;
    }
    this.startRound(this.newTurn(this.lastAgentDoneMs, null, null), effects);
  }

  protected agentDone(turn: AgentTurn, atMs: number, effects: Effects): void {
    if (!turn.llmDone) return;
    effects.push({ type: 'report_turn', turn: this.agentRecord(turn, atMs, false, turn.text) });
    if (turn.clip !== null) this.chat.addAgentWords(turn.text);
    else if (turn.lastRoundText.trim() !== '') this.chat.addAgentWords(turn.lastRoundText);
    this.current = null;
    this.lastAgentDoneMs = atMs;
    this.caller.seq = null;
    if (turn.afterSpeech) {
      this.finish(turn.afterSpeech, effects);
      return;
    }
    if (this.held.texts.length > 0) this.releaseHeld(atMs, effects);
  }

  /** Caller words held while the agent talked become the next caller turn. */
  protected releaseHeld(atMs: number, effects: Effects): void {
    this.caller.texts.push(...this.held.texts);
    this.caller.dtmf += this.held.dtmf;
    this.held = { texts: [], dtmf: '' };
    this.commitCallerTurn(atMs, effects);
  }

  protected finish(after: AfterSpeech, effects: Effects): void {
    if (after.kind === 'transfer' && after.toolCallId !== null) {
      // Its outcome is the tool's reply: the call ends only once it went through.
      this.transferPending = after.toolCallId;
      effects.push({ type: 'action', turn: -1, toolCallId: after.toolCallId, action: { type: 'transfer', reason: after.reason } });
      return;
    }
    const action = after.kind === 'hangup' ? ({ type: 'hangup', reason: after.reason } as const) : ({ type: 'transfer', reason: after.reason } as const);
    effects.push({ type: 'action', turn: -1, toolCallId: null, action });
    this.stop(effects);
  }

  protected stop(effects: Effects): void {
    // What the caller said that was never answered is still recorded.
    if (this.held.texts.length > 0) {
      const atMs = this.lastAgentDoneMs;
      effects.push({ type: 'report_turn', turn: this.records.caller(this.nextSeq++, this.held.texts.join(' '), atMs, atMs, this.held.dtmf || null) });
    }
    effects.push({ type: 'stop' });
    this.phase = 'stopped';
  }

  /** The caller cut the agent off: keep what they heard, and an ending turn still ends the call. */
  protected interrupt(turn: AgentTurn, atMs: number, playedText: string, effects: Effects): void {
    effects.push({ type: 'cancel_turn', turn: turn.turn });
    effects.push({ type: 'report_turn', turn: this.agentRecord(turn, atMs, true, playedText) });
    // Words of earlier rounds are in the history already, with their tool calls.
    const unsaid = playedText.startsWith(turn.textInHistory) ? playedText.slice(turn.textInHistory.length).trim() : '';
    if (unsaid !== '') this.chat.addAgentWords(unsaid);
    this.current = null;
    this.lastAgentDoneMs = atMs;
    this.caller.texts.unshift(...this.held.texts);
    this.caller.dtmf = this.held.dtmf + this.caller.dtmf;
    this.held = { texts: [], dtmf: '' };
    if (turn.afterSpeech) this.finish(turn.afterSpeech, effects);
  }

  protected messages(): ChatMessage[] {
    return this.chat.request(this.settings.systemPrompt);
  }

  protected agentRecord(turn: AgentTurn, atMs: number, interrupted: boolean, text: string): TurnReport {
    return this.records.agent(turn.turn, text, turn.firstSentMs ?? turn.startedAtMs, atMs, interrupted, turn.clip === null ? turn : null);
  }
}
