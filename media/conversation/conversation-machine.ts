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
  toolCalls: { id: string; name: string; arguments: unknown }[];
  pendingToolResults: number;
  /** Tool calls of this turn whose results are not in the history yet (each must get one). */
  pendingToolIds: string[];
  /** The turn called tools: its history is more than the caller's message, so it is never merged away. */
  usedTools: boolean;
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

/** While a tool runs, dead air is covered sooner than while the LLM thinks: a tool may take seconds. */
const TOOL_FILLER_AFTER_MS = 700;

/** The tool result of a call the turn gave up on (the caller spoke, the call is ending). */
const ABANDONED_TOOL_RESULT = 'Cancelled: the conversation moved on before this finished.';

/** The newest history kept for the LLM (the system prompt comes on top). */
const MAX_HISTORY_MESSAGES = 60;

export class ConversationMachine {
  readonly #settings: ConversationSettings;
  readonly #clipTexts: Readonly<Record<ClipName, string>>;
  readonly #history: ChatMessage[] = [];
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
    return this.#history;
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
        if (this.#isCurrent(event.turn)) this.#toolAnswered(this.#current!, event.toolCallId, event.ok ? 'Done.' : `Failed: ${event.message ?? 'unknown reason'}`, effects);
        break;
      case 'tool_result':
        if (this.#isCurrent(event.turn)) this.#toolAnswered(this.#current!, event.toolCallId, event.content, effects);
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

  /** Agent audio is playing or about to: caller finals are held, not answered. */
  #agentAudible(): boolean {
    const current = this.#current;
    return current !== null && current.firstSentMs !== null;
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
      toolCalls: [],
      pendingToolResults: 0,
      pendingToolIds: [],
      usedTools: false,
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
    let text = this.#caller.texts.join(' ');
    let seq: number;
    let startedMs = this.#caller.speechStartMs ?? atMs;
    if (current && current.clip === null && current.firstSentMs === null && !current.usedTools && this.#caller.seq !== null) {
      // The caller kept talking before the answer was heard: one longer caller turn, answered afresh.
      effects.push({ type: 'cancel_turn', turn: current.turn });
      const previous = this.#history.pop();
      if (previous?.role === 'user') text = `${previous.content} ${text}`;
      seq = this.#caller.seq;
      startedMs = this.#caller.speechStartMs ?? startedMs;
    } else {
      if (current) this.#cancel(current, effects);
      seq = this.#nextSeq++;
    }
    // Answered at once (lowest latency), even if the VAD's hangover has not yet
    // confirmed the silence: if the caller goes on, the turns merge (above).
    const stillSpeaking = this.#caller.speaking;
    const speechEndMs = stillSpeaking ? atMs : (this.#caller.speechEndMs ?? atMs);
    effects.push({ type: 'report_turn', turn: this.#records.caller(seq, text, startedMs, speechEndMs) });
    this.#pushHistory({ role: 'user', content: text });
    this.#reprompts = 0;
    const turn = this.#newTurn(atMs, null, speechEndMs);
    turn.sttFinalMs = atMs;
    if (stillSpeaking) turn.speechEndPending = { seq, text, startedMs };
    this.#fillersThisTurn = 0;
    this.#caller = { speaking: this.#caller.speaking, speechStartMs: startedMs, speechEndMs: null, texts: [], seq };
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
    this.#pushHistory({
      role: 'assistant',
      content: turn.roundText === '' ? null : turn.roundText,
      toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.arguments ?? {}) })),
    });
    turn.roundText = '';
    const plan = planToolCalls(calls, this.#settings.canTransfer, this.#settings.isBusinessTool);
    for (const result of plan.results) this.#pushHistory(result);
    if (plan.afterSpeech) turn.afterSpeech = plan.afterSpeech;
    turn.usedTools = true;
    for (const { toolCallId, action } of plan.actions) {
      turn.pendingToolResults += 1;
      turn.pendingToolIds.push(toolCallId);
      effects.push({ type: 'action', turn: turn.turn, toolCallId, action });
    }
    for (const call of plan.business) {
      turn.pendingToolResults += 1;
      turn.pendingToolIds.push(call.id);
      effects.push({ type: 'run_tool', turn: turn.turn, toolCallId: call.id, name: call.name, arguments: call.arguments });
    }
    const needsAnotherRound = plan.needsAnotherRound;
    if (turn.pendingToolResults > 0) return;
    if (needsAnotherRound && turn.afterSpeech === null) {
      effects.push({ type: 'start_llm', turn: turn.turn, messages: this.#messages() });
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

  #toolAnswered(turn: AgentTurn, toolCallId: string, content: string, effects: ConversationEffect[]): void {
    const index = turn.pendingToolIds.indexOf(toolCallId);
    if (index < 0) return;
    turn.pendingToolIds.splice(index, 1);
    this.#pushHistory({ role: 'tool', toolCallId, content });
    turn.pendingToolResults -= 1;
    if (turn.pendingToolResults === 0) effects.push({ type: 'start_llm', turn: turn.turn, messages: this.#messages() });
  }

  /**
   * Stops the turn. Tool calls still running get a result now (the model's
   * history must answer every call it made), so the next request stays valid.
   */
  #cancel(turn: AgentTurn, effects: ConversationEffect[]): void {
    effects.push({ type: 'cancel_turn', turn: turn.turn });
    for (const toolCallId of turn.pendingToolIds) this.#pushHistory({ role: 'tool', toolCallId, content: ABANDONED_TOOL_RESULT });
    turn.pendingToolIds = [];
    turn.pendingToolResults = 0;
  }

  #agentDone(turn: AgentTurn, atMs: number, effects: ConversationEffect[]): void {
    if (!turn.llmDone) return;
    effects.push({ type: 'report_turn', turn: this.#agentRecord(turn, atMs, false, turn.text) });
    if (turn.clip !== null) this.#pushHistory({ role: 'assistant', content: turn.text });
    else if (turn.roundText.trim() !== '') this.#pushHistory({ role: 'assistant', content: turn.roundText });
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
    this.#cancel(turn, effects);
    effects.push({ type: 'report_turn', turn: this.#agentRecord(turn, atMs, true, playedText) });
    if (playedText.trim() !== '') this.#pushHistory({ role: 'assistant', content: playedText });
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
    if (this.#current) this.#cancel(this.#current, effects);
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
      if (current) this.#cancel(current, effects);
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
    // Dead air while the answer is prepared or a tool runs: a short filler, again after each quiet stretch.
    const toolRunning = current.pendingToolResults > 0;
    if (current.clip === null && (current.firstSentMs === null || toolRunning) && current.speechEndMs !== null) {
      const quietSinceMs = Math.max(current.speechEndMs, this.#lastAudibleMs);
      const limitMs = toolRunning ? Math.min(this.#settings.fillerAfterMs, TOOL_FILLER_AFTER_MS) : this.#settings.fillerAfterMs;
      if (this.#fillersThisTurn < MAX_FILLERS_PER_TURN && atMs - quietSinceMs >= limitMs) {
        const clip: ClipName = this.#fillersThisTurn === 0 ? 'filler' : 'filler_more';
        this.#fillersThisTurn += 1;
        // Counts as audible from now, so the next filler waits for a new quiet stretch.
        this.#lastAudibleMs = atMs;
        effects.push({ type: 'play_clip', turn: current.turn, clip });
      }
    }
  }

  #messages(): ChatMessage[] {
    return [{ role: 'system', content: this.#settings.systemPrompt }, ...this.#history];
  }

  #pushHistory(message: ChatMessage): void {
    this.#history.push(message);
    while (this.#history.length > MAX_HISTORY_MESSAGES) {
      this.#history.shift();
      // Never start the kept history with tool results whose call was dropped.
      while (this.#history[0]?.role === 'tool') this.#history.shift();
    }
  }

  #agentRecord(turn: AgentTurn, atMs: number, interrupted: boolean, text: string): TurnReport {
    return this.#records.agent(turn.turn, text, turn.firstSentMs ?? turn.startedAtMs, atMs, interrupted, turn.clip === null ? turn : null);
  }
}
