// The conversation of one call as a deterministic state machine: events in
// (caller speech, transcripts, keys, LLM rounds and audio milestones, timers,
// failures), effects out (play, ask the LLM, cancel, report, act). It reads no
// clock and does no I/O, so every rule of the conversation is unit-tested by
// feeding events. A class with `handle(event): effects` rather than a reducer
// over immutable state: the state is private and small, and a call handles ~50
// events a second, so copying it on every event would buy nothing.
//
// Must-deliver: a tool call that started (a message stored, a transfer or a
// hang-up requested) completes and its result is recorded whatever happens to
// its turn, and the history sent to the LLM always pairs every tool call with
// a reply (chat-history.ts). A turn that ends the call (goodbye, transfer) is
// never undone: a barge-in cuts its words short and the action happens at once.
import type { TurnReport } from '../contract/backend.js';
import { newAgentTurn, quietCaller, type AgentTurn, type CallerTurn } from './agent-turn.js';
import { ChatHistory } from './chat-history.js';
import { TOOL_NAMES } from './conversation-tools.js';
import type { ClipName, ConversationEffect, ConversationEvent, ConversationSettings, KeypadAction, LlmToolCall } from './conversation-types.js';
import { KeypadInput, keypadWords } from './keypad-input.js';
import type { ChatMessage } from '../providers/types.js';
import { planToolCalls, type AfterSpeech } from './tool-calls.js';
import { TurnRecords } from './turn-records.js';

/** How long a transcript waits for the local VAD to confirm the caller stopped. */
const MAX_WAIT_FOR_SILENCE_MS = 1_500;

/** Fillers per answer at most; a provider slower than that times out and fails the turn anyway. */
const MAX_FILLERS_PER_TURN = 4;

/** The newest history kept for the LLM (the system prompt comes on top). */
const MAX_HISTORY_MESSAGES = 60;

type Effects = ConversationEffect[];

export class ConversationMachine {
  readonly #settings: ConversationSettings;
  readonly #clipTexts: Readonly<Record<ClipName, string>>;
  readonly #history = new ChatHistory(MAX_HISTORY_MESSAGES);
  readonly #records = new TurnRecords();
  readonly #keypad: KeypadInput;
  #phase: 'idle' | 'active' | 'stopped' = 'idle';
  #nextSeq = 0;
  #keypadCalls = 0;
  #startedAtMs = 0;
  #current: AgentTurn | null = null;
  #caller: CallerTurn = quietCaller();
  /** Caller words (and keys) that came while the agent was talking and did not interrupt it. */
  #held: { texts: string[]; dtmf: string } = { texts: [], dtmf: '' };
  #lastAgentDoneMs = 0;
  #reprompts = 0;
  /** The system is ending the call (a failure or a limit): nothing else starts. */
  #ending = false;
  /** A transfer the model asked for has been requested; its outcome decides what follows. */
  #transferPending: string | null = null;
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
    this.#keypad = new KeypadInput(settings.keypadGapMs);
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

  handle(event: ConversationEvent): Effects {
    if (this.#phase === 'stopped') return [];
    if (this.#phase === 'idle' && event.type !== 'start') return [];
    const effects: Effects = [];
    const current = this.#current;
    const ofCurrent = 'turn' in event && current !== null && current.turn === event.turn ? current : null;
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
        if (this.#awaitingSilenceSinceMs !== null) this.#commitCallerTurn(this.#awaitingSilenceSinceMs, effects);
        else this.#settleSpeechEnd(event.atMs, effects);
        break;
      case 'barge_in':
        this.#bargeIn(event.atMs, event.onsetMs, event.playedText, effects);
        break;
      case 'stt_final': {
        const text = event.text.trim();
        if (text === '') break;
        if (this.#agentAudible()) this.#held.texts.push(text);
        else {
          this.#caller.texts.push(text);
          if (event.speechFinal) this.#endOfCallerTurn(event.atMs, effects);
        }
        break;
      }
      case 'stt_utterance_end':
        if (this.#caller.texts.length > 0 && !this.#agentAudible()) this.#endOfCallerTurn(event.atMs, effects);
        break;
      case 'dtmf':
        this.#key(event.digit, event.atMs, event.playedText, effects);
        break;
      case 'llm_first_token':
        if (ofCurrent) ofCurrent.firstTokenMs ??= event.atMs;
        break;
      case 'llm_done':
        if (ofCurrent) this.#llmDone(ofCurrent, event.text, event.toolCalls, effects);
        break;
      case 'action_result':
        this.#actionResult(event.turn, event.toolCallId, event.ok, event.message, effects);
        break;
      case 'tts_first_audio':
        if (ofCurrent) ofCurrent.firstAudioMs ??= event.atMs;
        break;
      case 'agent_audio_sent':
        if (ofCurrent) ofCurrent.firstSentMs ??= event.atMs;
        break;
      case 'agent_audio_done':
        if (ofCurrent) this.#agentDone(ofCurrent, event.atMs, effects);
        break;
      case 'provider_error':
        this.#providerError(event.provider, event.error, event.atMs, event.playedText, effects);
        break;
      case 'tick':
        if (event.agentAudible) this.#lastAudibleMs = event.atMs;
        this.#tick(event.atMs, effects);
        break;
    }
    return effects;
  }

  /**
   * Caller input waits (held) rather than being answered: agent audio is
   * playing or about to, or the call is ending or moving.
   */
  #agentAudible(): boolean {
    const current = this.#current;
    if (this.#transferPending !== null) return true;
    return current !== null && (current.firstSentMs !== null || current.afterSpeech !== null);
  }

  #newTurn(atMs: number, clip: ClipName | null, speechEndMs: number | null): AgentTurn {
    const turn = newAgentTurn(this.#nextSeq++, atMs, clip, clip ? this.#clipTexts[clip] : '', speechEndMs);
    this.#current = turn;
    return turn;
  }

  #playClip(clip: ClipName, atMs: number, effects: Effects, afterSpeech: AfterSpeech | null = null): void {
    const turn = this.#newTurn(atMs, clip, null);
    turn.afterSpeech = afterSpeech;
    effects.push({ type: 'play_clip', turn: turn.turn, clip });
  }

  #endOfCallerTurn(atMs: number, effects: Effects): void {
    if (this.#caller.speaking) {
      this.#awaitingSilenceSinceMs ??= atMs;
      return;
    }
    this.#commitCallerTurn(atMs, effects);
  }

  #commitCallerTurn(atMs: number, effects: Effects): void {
    this.#awaitingSilenceSinceMs = null;
    const current = this.#current;
    const caller = this.#caller;
    const words = caller.texts.join(' ');
    const startedMs = caller.speechStartMs ?? atMs;
    const continuing = current !== null && current.clip === null && current.firstSentMs === null && caller.seq !== null;
    if (current) effects.push({ type: 'cancel_turn', turn: current.turn });
    // The caller kept going before anything answered them: one longer caller turn, answered afresh.
    const merged = continuing ? this.#history.mergeCallerWords(words) : null;
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
      this.#history.addCallerWords(words);
      seq = this.#nextSeq++;
    }
    // Answered at once (lowest latency), even if the VAD's hangover has not yet
    // confirmed the silence: if the caller goes on, the turns merge (above).
    const stillSpeaking = caller.speaking;
    const speechEndMs = stillSpeaking ? atMs : (caller.speechEndMs ?? atMs);
    effects.push({ type: 'report_turn', turn: this.#records.caller(seq, text, startedMs, speechEndMs, dtmf || null) });
    this.#reprompts = 0;
    const turn = this.#newTurn(atMs, null, speechEndMs);
    turn.sttFinalMs = atMs;
    if (stillSpeaking) turn.speechEndPending = { seq, text, startedMs, dtmf: dtmf || null };
    this.#fillersThisTurn = 0;
    this.#caller = { ...quietCaller(), speaking: stillSpeaking, speechStartMs: startedMs, seq, seqDtmf: dtmf };
    this.#startRound(turn, effects);
  }

  /** Asks the LLM for `turn` now, or once every tool call has its reply (the request must pair them). */
  #startRound(turn: AgentTurn, effects: Effects): void {
    turn.waitingForToolReplies = this.#history.unansweredToolCalls > 0;
    if (!turn.waitingForToolReplies) effects.push({ type: 'start_llm', turn: turn.turn, messages: this.#messages() });
  }

  /**
   * The VAD's end of speech after the transcript: the true reference for the
   * answer's latencies (and the caller turn's end), unless the caller spoke on
   * past the transcript, in which case the transcript time stays.
   */
  #settleSpeechEnd(atMs: number, effects: Effects): void {
    const turn = this.#current;
    const pending = turn?.speechEndPending;
    if (!turn || !pending) return;
    turn.speechEndPending = null;
    if (turn.sttFinalMs !== null && atMs <= turn.sttFinalMs) {
      turn.speechEndMs = atMs;
      effects.push({ type: 'report_turn', turn: this.#records.caller(pending.seq, pending.text, pending.startedMs, atMs, pending.dtmf) });
    }
  }

  #llmDone(turn: AgentTurn, text: string, calls: readonly LlmToolCall[], effects: Effects): void {
    turn.text += text;
    if (calls.length === 0) {
      turn.lastRoundText = text;
      turn.llmDone = true;
      effects.push({ type: 'finish_speech', turn: turn.turn });
      return;
    }
    this.#toolRound(turn, text, calls, effects);
  }

  /** The model called tools (or a key stands for one): record the calls, act, and go on. */
  #toolRound(turn: AgentTurn, text: string, calls: readonly LlmToolCall[], effects: Effects): void {
    this.#history.addToolCalls(
      text === '' ? null : text,
      calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.arguments ?? {}) })),
    );
    turn.textInHistory += text;
    const plan = planToolCalls(calls, this.#settings.canTransfer);
    for (const result of plan.results) this.#history.addToolReply(result.toolCallId, result.content);
    turn.afterSpeech ??= plan.afterSpeech;
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
      // A call-ending tool without words: say the cached line instead of going quiet.
      // Its words stay out of the history: the tool call says it, and its reply may still follow.
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
  #actionResult(turnSeq: number, toolCallId: string, ok: boolean, message: string | null, effects: Effects): void {
    if (toolCallId === this.#transferPending) {
      this.#transferOutcome(toolCallId, ok, message, effects);
      return;
    }
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

  /** The transfer the model asked for went through (the call is over here) or was refused (it goes on). */
  #transferOutcome(toolCallId: string, ok: boolean, message: string | null, effects: Effects): void {
    this.#transferPending = null;
    this.#history.addToolReply(toolCallId, ok ? 'Done: the caller is being transferred.' : `Failed: ${message ?? 'the transfer did not go through'}`);
    if (ok) {
      this.#stop(effects);
      return;
    }
    // The model tells the caller and offers something else; what the caller said meanwhile is answered with it.
    if (this.#held.texts.length > 0) {
      this.#releaseHeld(this.#lastAgentDoneMs, effects);
      return;
    }
    this.#startRound(this.#newTurn(this.#lastAgentDoneMs, null, null), effects);
  }

  #agentDone(turn: AgentTurn, atMs: number, effects: Effects): void {
    if (!turn.llmDone) return;
    effects.push({ type: 'report_turn', turn: this.#agentRecord(turn, atMs, false, turn.text) });
    if (turn.clip !== null) this.#history.addAgentWords(turn.text);
    else if (turn.lastRoundText.trim() !== '') this.#history.addAgentWords(turn.lastRoundText);
    this.#current = null;
    this.#lastAgentDoneMs = atMs;
    this.#caller.seq = null;
    if (turn.afterSpeech) {
      this.#finish(turn.afterSpeech, effects);
      return;
    }
    if (this.#held.texts.length > 0) this.#releaseHeld(atMs, effects);
  }

  /** Caller words held while the agent talked become the next caller turn. */
  #releaseHeld(atMs: number, effects: Effects): void {
    this.#caller.texts.push(...this.#held.texts);
    this.#caller.dtmf += this.#held.dtmf;
    this.#held = { texts: [], dtmf: '' };
    this.#commitCallerTurn(atMs, effects);
  }

  #finish(after: AfterSpeech, effects: Effects): void {
    if (after.kind === 'transfer' && after.toolCallId !== null) {
      // Its outcome is the tool's reply: the call ends only once it went through.
      this.#transferPending = after.toolCallId;
      effects.push({ type: 'action', turn: -1, toolCallId: after.toolCallId, action: { type: 'transfer', reason: after.reason } });
      return;
    }
    const action = after.kind === 'hangup' ? ({ type: 'hangup', reason: after.reason } as const) : ({ type: 'transfer', reason: after.reason } as const);
    effects.push({ type: 'action', turn: -1, toolCallId: null, action });
    this.#stop(effects);
  }

  #stop(effects: Effects): void {
    // What the caller said that was never answered is still recorded.
    if (this.#held.texts.length > 0) {
      const atMs = this.#lastAgentDoneMs;
      effects.push({ type: 'report_turn', turn: this.#records.caller(this.#nextSeq++, this.#held.texts.join(' '), atMs, atMs, this.#held.dtmf || null) });
    }
    effects.push({ type: 'stop' });
    this.#phase = 'stopped';
  }

  /** The caller cut the agent off: keep what they heard, and an ending turn still ends the call. */
  #interrupt(turn: AgentTurn, atMs: number, playedText: string, effects: Effects): void {
    effects.push({ type: 'cancel_turn', turn: turn.turn });
    effects.push({ type: 'report_turn', turn: this.#agentRecord(turn, atMs, true, playedText) });
    // Words of earlier rounds are in the history already, with their tool calls.
    const unsaid = playedText.startsWith(turn.textInHistory) ? playedText.slice(turn.textInHistory.length).trim() : '';
    if (unsaid !== '') this.#history.addAgentWords(unsaid);
    this.#current = null;
    this.#lastAgentDoneMs = atMs;
    this.#caller.texts.unshift(...this.#held.texts);
    this.#caller.dtmf = this.#held.dtmf + this.#caller.dtmf;
    this.#held = { texts: [], dtmf: '' };
    if (turn.afterSpeech) this.#finish(turn.afterSpeech, effects);
  }

  #bargeIn(atMs: number, onsetMs: number, playedText: string, effects: Effects): void {
    const turn = this.#current;
    this.#caller.speaking = true;
    this.#caller.speechStartMs = onsetMs;
    this.#caller.seq = null;
    if (turn) this.#interrupt(turn, atMs, playedText, effects);
  }

  /** A key: it interrupts the agent, acts at once when mapped, or joins a sequence answered by the LLM. */
  #key(digit: string, atMs: number, playedText: string, effects: Effects): void {
    const current = this.#current;
    // An ending under way is not undone by a key.
    if (this.#ending || this.#transferPending !== null || current?.afterSpeech) return;
    if (current !== null && current.firstSentMs !== null) {
      this.#interrupt(current, atMs, playedText, effects);
      this.#caller.seq = null;
    }
    // A mapped key acts when it starts a sequence, and not while a tool's result is awaited (it must pair first).
    const action = this.#keypad.idle && this.#history.unansweredToolCalls === 0 ? this.#settings.keypadActions[digit] : undefined;
    if (action !== undefined) {
      this.#keypadAction(action, digit, atMs, effects);
      return;
    }
    this.#caller.speechStartMs ??= atMs;
    const digits = this.#keypad.press(digit, atMs);
    if (digits !== null) this.#commitKeys(digits, atMs, effects);
  }

  #commitKeys(digits: string, atMs: number, effects: Effects): void {
    if (this.#agentAudible()) {
      this.#held.texts.push(keypadWords(digits));
      this.#held.dtmf += digits;
      return;
    }
    this.#caller.texts.push(keypadWords(digits));
    this.#caller.dtmf += digits;
    this.#commitCallerTurn(atMs, effects);
  }

  /** A mapped key stands for the model calling the tool: the same path, the history says so. */
  #keypadAction(action: KeypadAction, digit: string, atMs: number, effects: Effects): void {
    if (this.#current) effects.push({ type: 'cancel_turn', turn: this.#current.turn });
    const text = keypadWords(digit);
    this.#history.addCallerWords(text);
    effects.push({ type: 'report_turn', turn: this.#records.caller(this.#nextSeq++, text, atMs, atMs, digit) });
    this.#caller = quietCaller();
    const turn = this.#newTurn(atMs, null, null);
    this.#keypadCalls += 1;
    const name = action === 'transfer' ? TOOL_NAMES.transfer : TOOL_NAMES.endCall;
    this.#toolRound(turn, '', [{ id: `call_keypad_${this.#keypadCalls}`, name, arguments: { reason: `the caller pressed ${digit}` } }], effects);
  }

  #providerError(provider: 'stt' | 'llm' | 'tts', error: string, atMs: number, playedText: string, effects: Effects): void {
    effects.push({ type: 'report_failure', provider, error });
    if (this.#ending) return;
    this.#ending = true;
    const current = this.#current;
    if (current) {
      effects.push({ type: 'cancel_turn', turn: current.turn });
      // What the caller heard of it is kept, as for a barge-in.
      if (current.firstSentMs !== null) effects.push({ type: 'report_turn', turn: this.#agentRecord(current, atMs, true, playedText) });
    }
    const after: AfterSpeech = this.#settings.canTransfer
      ? { kind: 'transfer', reason: `${provider} failure`, forced: true, toolCallId: null }
      : { kind: 'hangup', reason: 'provider_failure', forced: true };
    this.#playClip('apology', atMs, effects, after);
  }

  #tick(atMs: number, effects: Effects): void {
    if (this.#awaitingSilenceSinceMs !== null && atMs - this.#awaitingSilenceSinceMs >= MAX_WAIT_FOR_SILENCE_MS) {
      // The VAD may be hearing background noise: the transcript wins after a while.
      this.#commitCallerTurn(this.#awaitingSilenceSinceMs, effects);
      // The caller was heard until now: dead air starts now, not at the transcript.
      this.#lastAudibleMs = Math.max(this.#lastAudibleMs, atMs);
    }
    const keys = this.#ending ? null : this.#keypad.expire(atMs);
    if (keys !== null) this.#commitKeys(keys, atMs, effects);
    const current = this.#current;
    if (!this.#ending && atMs - this.#startedAtMs >= this.#settings.maxCallMs) {
      this.#ending = true;
      if (current) effects.push({ type: 'cancel_turn', turn: current.turn });
      this.#playClip('goodbye', atMs, effects, { kind: 'hangup', reason: 'max_duration', forced: true });
      return;
    }
    if (current === null) {
      const quiet = !this.#caller.speaking && this.#caller.texts.length === 0 && this.#keypad.idle && this.#transferPending === null;
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
