// The conversation of one call as a deterministic state machine: events in
// (caller speech, transcripts, LLM and audio milestones, timers, failures),
// effects out (play, ask the LLM, cancel, report, act). It reads no clock and
// does no I/O, so every rule of the conversation is unit-tested by feeding
// events. A class with `handle(event): effects` rather than a reducer over
// immutable state: the state is private and small, and a call handles ~50
// events a second, so copying it on every event would buy nothing.
import type { TurnReport } from '../contract/backend.js';
import { TurnRecords } from './turn-records.js';
import type { ChatMessage } from '../providers/types.js';
import { ChatHistory } from './chat-history.js';
import { planToolCalls, type AfterSpeech } from './tool-calls.js';
import type { ClipName, ConversationEffect, ConversationEvent, ConversationSettings } from './conversation-types.js';


interface AgentTurn {
  readonly turn: number;
  readonly clip: ClipName | null;
  readonly startedAtMs: number;
  /** The caller turn this answers: latencies are measured from its end of speech. */
  speechEndMs: number | null;
  /**
   * The transcript came while the local VAD still heard the caller (its
   * hangover had not run out): the real end of speech arrives just after.
   */
  speechEndPending: { seq: number; text: string; startedMs: number } | null;
  sttFinalMs: number | null;
  firstTokenMs: number | null;
  firstAudioMs: number | null;
  firstSentMs: number | null;
  /** Every word the LLM produced for this turn (what the caller hears if not interrupted). */
  text: string;
  /** Text of the current LLM round, not yet in the history. */
  roundText: string;
  /** Words of this turn's earlier rounds, already in the history with their tool calls. */
  textInHistory: string;
  toolCalls: { id: string; name: string; arguments: unknown }[];
  pendingToolResults: number;
  /** The next LLM round waits for tool results another turn's tools have not delivered yet. */
  waitingForToolReplies: boolean;
  llmDone: boolean;
  afterSpeech: AfterSpeech | null;
}

interface CallerTurn {
  speaking: boolean;
  speechStartMs: number | null;
  speechEndMs: number | null;
  texts: string[];
  /** Seq of the caller turn record when it was merged into by a caller who kept talking. */
  seq: number | null;
}

/** How long a transcript waits for the local VAD to confirm the caller stopped. */
const MAX_WAIT_FOR_SILENCE_MS = 1_500;

/** Fillers per answer at most; a provider slower than that times out and fails the turn anyway. */
const MAX_FILLERS_PER_TURN = 4;

/** The newest history kept for the LLM (the system prompt comes on top). */
const MAX_HISTORY_MESSAGES = 60;

export class ConversationMachine {
  readonly #settings: ConversationSettings;
  readonly #clipTexts: Readonly<Record<ClipName, string>>;
  readonly #history = new ChatHistory(MAX_HISTORY_MESSAGES);
  #phase: 'idle' | 'active' | 'stopped' = 'idle';
  #nextSeq = 0;
  #startedAtMs = 0;
  readonly #records = new TurnRecords();
  #current: AgentTurn | null = null;
  #caller: CallerTurn = { speaking: false, speechStartMs: null, speechEndMs: null, texts: [], seq: null };
  /** Caller speech transcribed while the agent was talking and did not interrupt it. */
  #held: string[] = [];
  #lastAgentDoneMs = 0;
  #reprompts = 0;
  #ending = false;
  /**
   * The STT ended the caller's turn while the local VAD still hears the caller
   * (a pause the STT took for the end): answering now would cut them off, so
   * the turn waits for the VAD's silence (at most MAX_WAIT_FOR_SILENCE_MS).
   */
  #awaitingSilenceSinceMs: number | null = null;
  /** Last time agent audio (any: answer, clip or filler) was audible. */
  #lastAudibleMs = 0;
  #fillersThisTurn = 0;

  constructor(settings: ConversationSettings, clipTexts: Readonly<Record<ClipName, string>>) {
    this.#settings = settings;
    this.#clipTexts = clipTexts;
  }

  get stopped(): boolean {
    return this.#phase === 'stopped';
  }

  /** The agent turn in progress (being prepared or heard), if any. */
  get currentTurn(): number | null {
    return this.#current?.turn ?? null;
  }

  /** The LLM's view of the conversation so far (for tests and diagnostics). */
  get history(): readonly ChatMessage[] {
    return this.#history.messages;
  }

  handle(event: ConversationEvent): ConversationEffect[] {
    if (this.#phase === 'stopped') return [];
    if (this.#phase === 'idle' && event.type !== 'start') return [];
    const effects: ConversationEffect[] = [];
    switch (event.type) {
      case 'start':
        this.#phase = 'active';
        this.#startedAtMs = event.atMs;
        this.#records.start(event.atMs, event.wallMs);
        this.#lastAgentDoneMs = event.atMs;
        this.#playClip('greeting', event.atMs, effects);
        break;
      case 'caller_speech_start':
        if (!this.#caller.speaking && this.#caller.texts.length === 0) this.#caller.speechStartMs = event.atMs;
        this.#caller.speaking = true;
        break;
      case 'caller_speech_end':
        this.#caller.speaking = false;
        this.#caller.speechEndMs = event.atMs;
        if (this.#awaitingSilenceSinceMs !== null) {
          const finalAtMs = this.#awaitingSilenceSinceMs;
          this.#awaitingSilenceSinceMs = null;
          this.#commitCallerTurn(finalAtMs, effects);
        } else {
          this.#settleSpeechEnd(event.atMs, effects);
        }
        break;
      case 'barge_in':
        this.#bargeIn(event.atMs, event.onsetMs, event.playedText, effects);
        break;
      case 'stt_final':
        if (event.text.trim() === '') break;
        if (this.#agentAudible()) {
          this.#held.push(event.text.trim());
          break;
        }
        this.#caller.texts.push(event.text.trim());
        if (event.speechFinal) this.#endOfCallerTurn(event.atMs, effects);
        break;
      case 'stt_utterance_end':
        if (this.#caller.texts.length > 0 && !this.#agentAudible()) this.#endOfCallerTurn(event.atMs, effects);
        break;
      case 'llm_first_token':
        if (this.#isCurrent(event.turn)) this.#current!.firstTokenMs ??= event.atMs;
        break;
      case 'llm_text':
        if (this.#isCurrent(event.turn)) {
          this.#current!.text += event.delta;
          this.#current!.roundText += event.delta;
        }
        break;
      case 'llm_tool_call':
        if (this.#isCurrent(event.turn)) this.#current!.toolCalls.push({ id: event.id, name: event.name, arguments: event.arguments });
        break;
      case 'llm_done':
        if (this.#isCurrent(event.turn)) this.#llmDone(this.#current!, effects);
        break;
      case 'action_result':
        this.#actionResult(event.turn, event.toolCallId, event.ok, event.message, effects);
        break;
      case 'tts_first_audio':
        if (this.#isCurrent(event.turn)) this.#current!.firstAudioMs ??= event.atMs;
        break;
      case 'agent_audio_sent':
        if (this.#isCurrent(event.turn)) this.#current!.firstSentMs ??= event.atMs;
        break;
      case 'agent_audio_done':
        if (this.#isCurrent(event.turn)) this.#agentDone(this.#current!, event.atMs, effects);
        break;
      case 'provider_error':
        this.#providerError(event.provider, event.error, event.atMs, effects);
        break;
      case 'tick':
        if (event.agentAudible) this.#lastAudibleMs = event.atMs;
        this.#tick(event.atMs, effects);
        break;
    }
    return effects;
  }

  #isCurrent(turn: number): boolean {
    return this.#current !== null && this.#current.turn === turn;
  }

  /**
   * Agent audio is playing or about to, or the turn ends the call (a goodbye or
   * transfer decided): caller finals are held, not answered.
   */
  #agentAudible(): boolean {
    const current = this.#current;
    return current !== null && (current.firstSentMs !== null || current.afterSpeech !== null);
  }

  #newTurn(atMs: number, clip: ClipName | null, speechEndMs: number | null): AgentTurn {
    const turn: AgentTurn = {
      turn: this.#nextSeq++,
      clip,
      startedAtMs: atMs,
      speechEndMs,
      speechEndPending: null,
      sttFinalMs: null,
      firstTokenMs: null,
      firstAudioMs: null,
      firstSentMs: null,
      text: clip ? this.#clipTexts[clip] : '',
      roundText: '',
      textInHistory: '',
      toolCalls: [],
      pendingToolResults: 0,
      waitingForToolReplies: false,
      llmDone: clip !== null,
      afterSpeech: null,
    };
    this.#current = turn;
    return turn;
  }

  #playClip(clip: ClipName, atMs: number, effects: ConversationEffect[], afterSpeech: AfterSpeech | null = null): void {
    const turn = this.#newTurn(atMs, clip, null);
    turn.afterSpeech = afterSpeech;
    effects.push({ type: 'play_clip', turn: turn.turn, clip });
  }

  #endOfCallerTurn(atMs: number, effects: ConversationEffect[]): void {
    if (this.#caller.speaking) {
      this.#awaitingSilenceSinceMs ??= atMs;
      return;
    }
    this.#commitCallerTurn(atMs, effects);
  }

  #commitCallerTurn(atMs: number, effects: ConversationEffect[]): void {
    this.#awaitingSilenceSinceMs = null;
    const current = this.#current;
    const words = this.#caller.texts.join(' ');
    const startedMs = this.#caller.speechStartMs ?? atMs;
    const continuing = current !== null && current.clip === null && current.firstSentMs === null && this.#caller.seq !== null;
    if (current) effects.push({ type: 'cancel_turn', turn: current.turn });
    // The caller kept talking before anything answered them: one longer caller turn, answered afresh.
    const merged = continuing ? this.#history.mergeCallerWords(words) : null;
    let text: string;
    let seq: number;
    if (merged !== null) {
      text = merged;
      seq = this.#caller.seq!;
    } else {
      // Something came after the caller's last words (a tool ran and its reply is in
      // the history): that stays, and these words are a new caller turn after it.
      this.#history.addCallerWords(words);
      text = words;
      seq = this.#nextSeq++;
    }
    // Answered at once (lowest latency), even if the VAD's hangover has not yet
    // confirmed the silence: if the caller goes on, the turns merge (above).
    const stillSpeaking = this.#caller.speaking;
    const speechEndMs = stillSpeaking ? atMs : (this.#caller.speechEndMs ?? atMs);
    effects.push({ type: 'report_turn', turn: this.#records.caller(seq, text, startedMs, speechEndMs) });
    this.#reprompts = 0;
    const turn = this.#newTurn(atMs, null, speechEndMs);
    turn.sttFinalMs = atMs;
    if (stillSpeaking) turn.speechEndPending = { seq, text, startedMs };
    this.#fillersThisTurn = 0;
    this.#caller = { speaking: this.#caller.speaking, speechStartMs: startedMs, speechEndMs: null, texts: [], seq };
    this.#startRound(turn, effects);
  }

  /** Asks the LLM for `turn` now, or once every tool call has its reply (the request must pair them). */
  #startRound(turn: AgentTurn, effects: ConversationEffect[]): void {
    if (this.#history.unansweredToolCalls > 0) {
      turn.waitingForToolReplies = true;
      return;
    }
    turn.waitingForToolReplies = false;
    effects.push({ type: 'start_llm', turn: turn.turn, messages: this.#messages() });
  }

  /**
   * The VAD's end of speech after the transcript: the true reference for the
   * answer's latencies (and the caller turn's end), unless the caller spoke on
   * past the transcript, in which case the transcript time stays.
   */
  #settleSpeechEnd(atMs: number, effects: ConversationEffect[]): void {
    const turn = this.#current;
    const pending = turn?.speechEndPending;
    if (!turn || !pending) return;
    turn.speechEndPending = null;
    if (turn.sttFinalMs !== null && atMs <= turn.sttFinalMs) {
      turn.speechEndMs = atMs;
      effects.push({ type: 'report_turn', turn: this.#records.caller(pending.seq, pending.text, pending.startedMs, atMs) });
    }
  }

  #llmDone(turn: AgentTurn, effects: ConversationEffect[]): void {
    if (turn.toolCalls.length === 0) {
      turn.llmDone = true;
      effects.push({ type: 'finish_speech', turn: turn.turn });
      return;
    }
    const calls = turn.toolCalls;
    turn.toolCalls = [];
    const words = turn.roundText === '' ? null : turn.roundText;
    this.#history.addToolCalls(
      words,
      calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.arguments ?? {}) })),
    );
    turn.textInHistory += turn.roundText;
    turn.roundText = '';
    const plan = planToolCalls(calls, this.#settings.canTransfer);
    for (const result of plan.results) this.#history.addToolReply(result.toolCallId, result.content);
    if (plan.afterSpeech) turn.afterSpeech = plan.afterSpeech;
    for (const { toolCallId, action } of plan.actions) {
      turn.pendingToolResults += 1;
      effects.push({ type: 'action', turn: turn.turn, toolCallId, action });
    }
    if (turn.pendingToolResults > 0) return;
    if (plan.needsAnotherRound && turn.afterSpeech === null) {
      this.#startRound(turn, effects);
      return;
    }
    turn.llmDone = true;
    if (turn.text.trim() === '' && turn.afterSpeech !== null) {
      // A tool call without words: say the cached line instead of going quiet.
      const clip: ClipName = turn.afterSpeech.kind === 'hangup' ? 'goodbye' : 'transfer_notice';
      turn.text = this.#clipTexts[clip];
      effects.push({ type: 'play_clip', turn: turn.turn, clip });
    }
    effects.push({ type: 'finish_speech', turn: turn.turn });
  }

  /**
   * A tool's result, recorded whatever became of its turn (a message stored
   * stays stored, and the history must pair the call). Its turn's next round
   * starts once every result is in; a turn that replaced it waits for them too.
   */
  #actionResult(turnSeq: number, toolCallId: string, ok: boolean, message: string | null, effects: ConversationEffect[]): void {
    this.#history.addToolReply(toolCallId, ok ? 'Done.' : `Failed: ${message ?? 'unknown reason'}`);
    const current = this.#current;
    if (current === null) return;
    if (current.turn === turnSeq) {
      current.pendingToolResults -= 1;
      if (current.pendingToolResults === 0) this.#startRound(current, effects);
    } else if (current.waitingForToolReplies) {
      this.#startRound(current, effects);
    }
  }

  #agentDone(turn: AgentTurn, atMs: number, effects: ConversationEffect[]): void {
    if (!turn.llmDone) return;
    effects.push({ type: 'report_turn', turn: this.#agentRecord(turn, atMs, false, turn.text) });
    if (turn.clip !== null) this.#history.addAgentWords(turn.text);
    else if (turn.roundText.trim() !== '') this.#history.addAgentWords(turn.roundText);
    this.#current = null;
    this.#lastAgentDoneMs = atMs;
    this.#caller.seq = null;
    const after = turn.afterSpeech;
    if (after) {
      this.#finish(after, effects);
      return;
    }
    if (this.#held.length > 0) {
      this.#caller.texts.push(...this.#held);
      this.#held = [];
      this.#commitCallerTurn(atMs, effects);
    }
  }

  #finish(after: AfterSpeech, effects: ConversationEffect[]): void {
    const action =
      after.kind === 'hangup'
        ? ({ type: 'hangup', reason: after.reason } as const)
        : ({ type: 'transfer', reason: after.reason } as const);
    effects.push({ type: 'action', turn: -1, toolCallId: null, action }, { type: 'stop' });
    this.#phase = 'stopped';
  }

  #bargeIn(atMs: number, onsetMs: number, playedText: string, effects: ConversationEffect[]): void {
    const turn = this.#current;
    this.#caller.speaking = true;
    this.#caller.speechStartMs = onsetMs;
    this.#caller.seq = null;
    if (!turn) return;
    effects.push({ type: 'cancel_turn', turn: turn.turn });
    effects.push({ type: 'report_turn', turn: this.#agentRecord(turn, atMs, true, playedText) });
    // Words of earlier rounds are in the history already, with their tool calls.
    const unsaid = playedText.startsWith(turn.textInHistory) ? playedText.slice(turn.textInHistory.length).trim() : '';
    if (unsaid !== '') this.#history.addAgentWords(unsaid);
    this.#current = null;
    this.#lastAgentDoneMs = atMs;
    this.#caller.texts.unshift(...this.#held);
    this.#held = [];
    // A goodbye the system imposed (silence, limits, failures) still ends the call.
    if (turn.afterSpeech?.forced) this.#finish(turn.afterSpeech, effects);
  }

  #providerError(provider: 'stt' | 'llm' | 'tts', error: string, atMs: number, effects: ConversationEffect[]): void {
    effects.push({ type: 'report_failure', provider, error });
    if (this.#ending) return;
    this.#ending = true;
    if (this.#current) effects.push({ type: 'cancel_turn', turn: this.#current.turn });
    const after: AfterSpeech = this.#settings.canTransfer
      ? { kind: 'transfer', reason: `${provider} failure`, forced: true }
      : { kind: 'hangup', reason: 'provider_failure', forced: true };
    this.#playClip('apology', atMs, effects, after);
  }

  #tick(atMs: number, effects: ConversationEffect[]): void {
    if (this.#awaitingSilenceSinceMs !== null && atMs - this.#awaitingSilenceSinceMs >= MAX_WAIT_FOR_SILENCE_MS) {
      // The VAD may be hearing background noise: the transcript wins after a while.
      const finalAtMs = this.#awaitingSilenceSinceMs;
      this.#commitCallerTurn(finalAtMs, effects);
      // The caller was heard until now: dead air starts now, not at the transcript.
      this.#lastAudibleMs = Math.max(this.#lastAudibleMs, atMs);
    }
    const current = this.#current;
    if (!this.#ending && atMs - this.#startedAtMs >= this.#settings.maxCallMs) {
      this.#ending = true;
      if (current) effects.push({ type: 'cancel_turn', turn: current.turn });
      this.#playClip('goodbye', atMs, effects, { kind: 'hangup', reason: 'max_duration', forced: true });
      return;
    }
    if (current === null) {
      const quiet = !this.#caller.speaking && this.#caller.texts.length === 0;
      if (!this.#ending && quiet && atMs - this.#lastAgentDoneMs >= this.#settings.silenceRepromptMs) {
        if (this.#reprompts < this.#settings.maxReprompts) {
          this.#reprompts += 1;
          this.#playClip('reprompt', atMs, effects);
        } else {
          this.#ending = true;
          this.#playClip('goodbye', atMs, effects, { kind: 'hangup', reason: 'caller_silence', forced: true });
        }
      }
      return;
    }
    // Dead air while the answer is prepared: a short filler, again after each quiet stretch.
    if (current.clip === null && current.firstSentMs === null && current.speechEndMs !== null) {
      const quietSinceMs = Math.max(current.speechEndMs, this.#lastAudibleMs);
      if (this.#fillersThisTurn < MAX_FILLERS_PER_TURN && atMs - quietSinceMs >= this.#settings.fillerAfterMs) {
        const clip: ClipName = this.#fillersThisTurn === 0 ? 'filler' : 'filler_more';
        this.#fillersThisTurn += 1;
        // Counts as audible from now, so the next filler waits for a new quiet stretch.
        this.#lastAudibleMs = atMs;
        effects.push({ type: 'play_clip', turn: current.turn, clip });
      }
    }
  }

  #messages(): ChatMessage[] {
    return this.#history.request(this.#settings.systemPrompt);
  }

  #agentRecord(turn: AgentTurn, atMs: number, interrupted: boolean, text: string): TurnReport {
    return this.#records.agent(turn.turn, text, turn.firstSentMs ?? turn.startedAtMs, atMs, interrupted, turn.clip === null ? turn : null);
  }
}
