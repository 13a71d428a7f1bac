// The conversation of one call as a deterministic state machine: events in
// (caller speech, transcripts, keys, LLM rounds and audio milestones, timers,
// failures), effects out (play, ask the LLM, cancel, report, act). It reads no
// clock and does no I/O, so every rule of the conversation is unit-tested by
// feeding events. A class with `handle(event): effects` rather than a reducer
// over immutable state: the state is the object's own and small, and a call handles ~50
// events a second, so copying it on every event would buy nothing.
//
// This class holds the rules of when things happen (caller speech and
// transcripts, barge-in, keys, failures, timers); what a turn is and how it is
// recorded is ConversationTurns' (conversation-turns.ts).
import type { ClipName, ConversationEvent, ConversationSettings, KeypadAction } from './conversation-types.js';
import { ConversationTurns, type Effects } from './conversation-turns.js';
import { fillerDue, silenceDue } from './dead-air.js';
import { KeypadInput, keypadToolCall, keypadWords } from './keypad-input.js';
import type { ChatMessage } from '../providers/types.js';
import type { ResumeContext } from '../contract/sessions.js';
import type { AfterSpeech } from './tool-calls.js';
import { quietCaller } from './agent-turn.js';

/** How long a transcript waits for the local VAD to confirm the caller stopped. */
const MAX_WAIT_FOR_SILENCE_MS = 1_500;
/** While a business tool runs, dead air is covered sooner than while the LLM thinks: a tool may take seconds. */
const TOOL_FILLER_AFTER_MS = 700;

export class ConversationMachine extends ConversationTurns {
  readonly #keypad: KeypadInput;
  #keypadCalls = 0;

  constructor(settings: ConversationSettings, clipTexts: Readonly<Record<ClipName, string>>) {
    super(settings, clipTexts);
    this.#keypad = new KeypadInput(settings.keypadGapMs);
  }

  get stopped(): boolean {
    return this.phase === 'stopped';
  }

  /** The agent turn in progress (being prepared or heard), if any. */
  get currentTurn(): number | null {
    return this.current?.turn ?? null;
  }

  /** The LLM's view of the conversation so far (for tests and diagnostics). */
  get history(): readonly ChatMessage[] {
    return this.chat.messages;
  }

  /** A call moved from a lost gateway: the LLM sees the conversation so far, turn reports go on after it. Before 'start'. */
  resumeFrom(resume: ResumeContext): void {
    for (const turn of resume.turns) {
      if (turn.text.trim() === '') continue;
      if (turn.role === 'caller') this.chat.addCallerWords(turn.text);
      else this.chat.addAgentWords(turn.text);
    }
    this.nextSeq = resume.nextSeq;
  }

  handle(event: ConversationEvent): Effects {
    if (this.phase === 'stopped') return [];
    if (this.phase === 'idle' && event.type !== 'start') return [];
    const effects: Effects = [];
    const current = this.current;
    const ofCurrent = 'turn' in event && current !== null && current.turn === event.turn ? current : null;
    switch (event.type) {
      case 'start':
        this.phase = 'active';
        this.startedAtMs = event.atMs;
        this.records.start(event.atMs, event.wallMs);
        this.lastAgentDoneMs = event.atMs;
        this.playClip('greeting', event.atMs, effects);
        break;
      case 'caller_speech_start':
        if (!this.caller.speaking && this.caller.texts.length === 0) this.caller.speechStartMs = event.atMs;
        this.caller.speaking = true;
        break;
      case 'caller_speech_end':
        this.caller.speaking = false;
        this.caller.speechEndMs = event.atMs;
        if (this.awaitingSilenceSinceMs !== null) this.commitCallerTurn(this.awaitingSilenceSinceMs, effects);
        else this.settleSpeechEnd(event.atMs, effects);
        break;
      case 'barge_in':
        this.#bargeIn(event.atMs, event.onsetMs, event.playedText, effects);
        break;
      case 'stt_final': {
        const text = event.text.trim();
        if (text === '') break;
        if (this.agentAudible()) this.held.texts.push(text);
        else {
          this.caller.texts.push(text);
          if (event.speechFinal) this.endOfCallerTurn(event.atMs, effects);
        }
        break;
      }
      case 'stt_utterance_end':
        if (this.caller.texts.length > 0 && !this.agentAudible()) this.endOfCallerTurn(event.atMs, effects);
        break;
      case 'dtmf':
        this.#key(event.digit, event.atMs, event.playedText, effects);
        break;
      case 'llm_first_token':
        if (ofCurrent) ofCurrent.firstTokenMs ??= event.atMs;
        break;
      case 'llm_done':
        if (ofCurrent) this.llmDone(ofCurrent, event.text, event.toolCalls, effects);
        break;
      case 'action_result':
        this.actionResult(event.turn, event.toolCallId, event.ok, event.message, effects);
        break;
      case 'tool_result':
        this.toolResult(event.turn, event.toolCallId, event.content, effects);
        break;
      case 'tts_first_audio':
        if (ofCurrent) ofCurrent.firstAudioMs ??= event.atMs;
        break;
      case 'agent_audio_sent':
        if (ofCurrent) ofCurrent.firstSentMs ??= event.atMs;
        break;
      case 'agent_audio_done':
        if (ofCurrent) this.agentDone(ofCurrent, event.atMs, effects);
        break;
      case 'provider_error':
        this.#providerError(event.provider, event.error, event.atMs, event.playedText, effects);
        break;
      case 'tick':
        if (event.agentAudible) this.lastAudibleMs = event.atMs;
        this.#tick(event.atMs, effects);
        break;
    }
    return effects;
  }

  #bargeIn(atMs: number, onsetMs: number, playedText: string, effects: Effects): void {
    const turn = this.current;
    this.caller.speaking = true;
    this.caller.speechStartMs = onsetMs;
    this.caller.seq = null;
    if (turn) this.interrupt(turn, atMs, playedText, effects);
  }

  /** A key: it interrupts the agent, acts at once when mapped, or joins a sequence answered by the LLM. */
  #key(digit: string, atMs: number, playedText: string, effects: Effects): void {
    const current = this.current;
    // An ending under way is not undone by a key.
    if (this.ending || this.transferPending !== null || current?.afterSpeech) return;
    if (current !== null && current.firstSentMs !== null) {
      this.interrupt(current, atMs, playedText, effects);
      this.caller.seq = null;
    }
    // A mapped key acts when it starts a sequence, and not while a tool's result is awaited (it must pair first).
    const action = this.#keypad.idle && this.chat.unansweredToolCalls === 0 ? this.settings.keypadActions[digit] : undefined;
    if (action !== undefined) {
      this.#keypadAction(action, digit, atMs, effects);
      return;
    }
    this.caller.speechStartMs ??= atMs;
    const digits = this.#keypad.press(digit, atMs);
    if (digits !== null) this.#commitKeys(digits, atMs, effects);
  }

  #commitKeys(digits: string, atMs: number, effects: Effects): void {
    if (this.agentAudible()) {
      this.held.texts.push(keypadWords(digits));
      this.held.dtmf += digits;
      return;
    }
    this.caller.texts.push(keypadWords(digits));
    this.caller.dtmf += digits;
    this.commitCallerTurn(atMs, effects);
  }

  /** A mapped key stands for the model calling the tool: the same path, the history says so. */
  #keypadAction(action: KeypadAction, digit: string, atMs: number, effects: Effects): void {
    if (this.current) effects.push({ type: 'cancel_turn', turn: this.current.turn });
    const text = keypadWords(digit);
    this.chat.addCallerWords(text);
    effects.push({ type: 'report_turn', turn: this.records.caller(this.nextSeq++, text, atMs, atMs, digit) });
    this.caller = quietCaller();
    this.#keypadCalls += 1;
    this.toolRound(this.newTurn(atMs, null, null), '', [keypadToolCall(action, digit, `call_keypad_${this.#keypadCalls}`)], effects);
  }

  #providerError(provider: 'stt' | 'llm' | 'tts', error: string, atMs: number, playedText: string, effects: Effects): void {
    effects.push({ type: 'report_failure', provider, error });
    if (this.ending) return;
    this.ending = true;
    const current = this.current;
    if (current) {
      effects.push({ type: 'cancel_turn', turn: current.turn });
      // What the caller heard of it is kept, as for a barge-in.
      if (current.firstSentMs !== null) effects.push({ type: 'report_turn', turn: this.agentRecord(current, atMs, true, playedText) });
    }
    const after: AfterSpeech = this.settings.canTransfer
      ? { kind: 'transfer', reason: `${provider} failure`, forced: true, toolCallId: null }
      : { kind: 'hangup', reason: 'provider_failure', forced: true };
    this.playClip('apology', atMs, effects, after);
  }

  #tick(atMs: number, effects: Effects): void {
    if (this.awaitingSilenceSinceMs !== null && atMs - this.awaitingSilenceSinceMs >= MAX_WAIT_FOR_SILENCE_MS) {
      // The VAD may be hearing background noise: the transcript wins after a while.
      this.commitCallerTurn(this.awaitingSilenceSinceMs, effects);
      // The caller was heard until now: dead air starts now, not at the transcript.
      this.lastAudibleMs = Math.max(this.lastAudibleMs, atMs);
    }
    const keys = this.ending ? null : this.#keypad.expire(atMs);
    if (keys !== null) this.#commitKeys(keys, atMs, effects);
    const current = this.current;
    if (!this.ending && atMs - this.startedAtMs >= this.settings.maxCallMs) {
      this.ending = true;
      if (current) effects.push({ type: 'cancel_turn', turn: current.turn });
      this.playClip('goodbye', atMs, effects, { kind: 'hangup', reason: 'max_duration', forced: true });
      return;
    }
    if (current === null) {
      const quiet = !this.caller.speaking && this.caller.texts.length === 0 && this.#keypad.idle && this.transferPending === null;
      const { silenceRepromptMs, maxReprompts } = this.settings;
      const due = this.ending || !quiet ? null : silenceDue(atMs, this.lastAgentDoneMs, silenceRepromptMs, this.reprompts, maxReprompts);
      if (due === 'reprompt') {
        this.reprompts += 1;
        this.playClip('reprompt', atMs, effects);
      } else if (due === 'goodbye') {
        this.ending = true;
        this.playClip('goodbye', atMs, effects, { kind: 'hangup', reason: 'caller_silence', forced: true });
      }
      return;
    }
    // Dead air while the answer is prepared or a business tool runs (also after
    // words the turn said first): a short filler, again after each quiet stretch.
    const toolRunning = current.toolsRunning > 0;
    if (current.clip === null && (current.firstSentMs === null || toolRunning) && current.speechEndMs !== null) {
      const quietSinceMs = Math.max(current.speechEndMs, this.lastAudibleMs);
      const afterMs = toolRunning ? Math.min(this.settings.fillerAfterMs, TOOL_FILLER_AFTER_MS) : this.settings.fillerAfterMs;
      const filler = fillerDue(atMs, quietSinceMs, afterMs, this.fillersThisTurn);
      if (filler !== null) {
        this.fillersThisTurn += 1;
        // Counts as audible from now, so the next filler waits for a new quiet stretch.
        this.lastAudibleMs = atMs;
        effects.push({ type: 'play_clip', turn: current.turn, clip: filler });
      }
    }
  }
}
