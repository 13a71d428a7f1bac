// The AI agent of a call on the OpenAI Realtime engine: a thin coordinator,
// like the cascade's AiAgent, around the same conversation machine (greeting,
// reprompts, dead-air fillers, keys, tools and their must-deliver rule,
// provider failure -> apology and fallback, call limits, turn records). The
// Realtime model stands where the cascade's STT, LLM and TTS stand:
//
// - caller audio streams to the server (audio-bridge.ts); a caller turn ends at
//   the server VAD's commit ('server') or ours ('local': we commit), and the
//   machine's start_llm becomes response.create (response-scheduler.ts);
// - the answer's audio plays through the AgentOutput as a turn's part
//   (realtime-turn.ts); its transcript is the turn's text;
// - barge-in: the machine cancels the turn; we cancel the response, clear the
//   playout and truncate the item to the audio the caller heard;
// - function calls become the machine's tool calls; their replies go back as
//   function_call_output items before the next response.create;
// - caller turns are reported at once with a placeholder text and again with
//   the transcript when the server's input transcription completes;
// - a socket that drops is opened again and the new session given the
//   conversation so far (realtime-link.ts); only a server that stays down
//   ends the call's conversation (apology and fallback).
import type { Logger } from 'pino';
import type { AgentContext, CallAgent } from '../../agents/agent.js';
import { AgentCoordinator, type EngineEffect } from '../../agents/agent-coordinator.js';
import type { AiAgentDeps } from '../../agents/ai-agent.js';
import { SAMPLES_PER_FRAME_8K } from '../../audio/frame.js';
import { encodeUlaw } from '../../codec/g711.js';
import type { TurnReport } from '../../contract/backend.js';
import type { OpenAiRealtimeSettings } from '../../contract/engines.js';
import { AgentOutput } from '../../conversation/agent-output.js';
import { BargeInDetector } from '../../conversation/barge-in.js';
import type { ClipName, ConversationEvent } from '../../conversation/conversation-types.js';
import { systemPrompt } from '../../conversation/system-prompt.js';
import { TURN_ONSET_MIN_SPEECH_MS, VoiceActivityDetector } from '../../conversation/vad.js';
import { InputBridge, OutputBridge } from './audio-bridge.js';
import { assistantText, ConversationSync, resumeItems, userText } from './conversation-sync.js';
import { errorText, type RealtimeServerEvent } from './realtime-connection.js';
import { RealtimeEvents } from './realtime-events.js';
import { RealtimeLink } from './realtime-link.js';
import { RealtimeTurn } from './realtime-turn.js';
import { ResponseScheduler } from './response-scheduler.js';
import { sessionUpdate, toolsConfig } from './session-config.js';

export interface RealtimeAgentDeps extends Omit<AiAgentDeps, 'stt' | 'llm' | 'tts'> {
  readonly apiKey: string;
  readonly baseURL: string;
}

/** A caller turn's text until the server's transcription of it arrives. */
export const PENDING_TRANSCRIPT = '…';
const TIMER_EVERY_TICKS = 5;
const ARRIVAL_STALL_FRAMES = 3;
/** The API refuses less than this in a commit. */
const MIN_COMMIT_MS = 100;

export class RealtimeAgent implements CallAgent {
  readonly #context: AgentContext;
  readonly #deps: RealtimeAgentDeps;
  readonly #log: Logger;
  readonly #core: AgentCoordinator<RealtimeTurn>;
  readonly #instructions: string;
  readonly #output: AgentOutput;
  readonly #input: InputBridge;
  readonly #events: RealtimeEvents;
  readonly #scheduler: ResponseScheduler;
  readonly #sync = new ConversationSync();
  readonly #vad: VoiceActivityDetector | null;
  readonly #bargeIn: BargeInDetector | null;
  readonly #call = new AbortController();
  readonly #ulaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  readonly #lastAgentFrame = new Int16Array(SAMPLES_PER_FRAME_8K);
  readonly #link: RealtimeLink;
  #toolsSent = 0;
  #agentFrameFresh = false;
  #closed = false;
  #onArrival = false;
  #arrivals = 0;
  #ticks = 0;
  #committedAtMs = 0;
  #failed = false;

  constructor(context: AgentContext, deps: RealtimeAgentDeps, settings: OpenAiRealtimeSettings) {
    this.#context = context;
    this.#deps = deps;
    this.#log = context.logger.child({ component: 'realtime-agent' });
    const agent = context.request.agent;
    this.#instructions = systemPrompt(agent, context.request.caller.from, new Date());
    this.#core = new AgentCoordinator({
      context,
      deps,
      logger: this.#log,
      signal: this.#call.signal,
      systemPrompt: this.#instructions,
      closed: () => this.#closed,
      createTurn: (seq) => new RealtimeTurn({ seq, callSignal: this.#call.signal, output: this.#output, now: deps.now, logger: this.#log, emit: (event) => this.#dispatch(event) }),
      apply: (effect) => this.#apply(effect),
    });
    const local = settings.turnDetection === 'local';
    this.#vad = local ? new VoiceActivityDetector({ minSpeechMs: TURN_ONSET_MIN_SPEECH_MS }) : null;
    this.#bargeIn = local ? new BargeInDetector({ minSpeechMs: deps.timings.bargeInMinMs, corroboratedMinSpeechMs: deps.timings.bargeInSttMinMs, pauseMinSpeechMs: 0 }) : null;
    this.#output = new AgentOutput(context);
    this.#input = new InputBridge(context.request.format);
    this.#scheduler = new ResponseScheduler((event) => this.#send(event));
    this.#events = new RealtimeEvents({
      serverVad: !local,
      input: this.#input,
      output: new OutputBridge(context.request.format),
      scheduler: this.#scheduler,
      sync: this.#sync,
      now: deps.now,
      logger: this.#log,
      turnOf: (seq) => this.#core.turns.get(seq) ?? null,
      audible: () => this.#output.audible,
      heard: () => this.#heard(),
      dispatch: (event) => this.#dispatch(event),
      failed: (error) => this.#providerFailed(error),
      report: (report) => this.#deps.backend.reportTurn(this.#context.request.callId, report),
    });
    this.#link = new RealtimeLink({
      apiKey: deps.apiKey,
      baseURL: deps.baseURL,
      model: settings.model,
      signal: this.#call.signal,
      now: deps.now,
      logger: this.#log,
      session: () => {
        this.#toolsSent = this.#core.tools.length;
        return sessionUpdate({ settings, format: context.request.format, instructions: this.#instructions, tools: this.#core.tools, language: agent.language });
      },
      firstItems: () => resumeItems(context.request.resume),
      reseed: () => this.#reseed(),
      onEvent: (event) => this.#onEvent(event),
      onDropped: () => this.#dropped(),
      onReopened: (attempts) => this.#reopened(attempts),
      onDown: (error) => this.#providerFailed(error),
    });
    deps.clips.warm(agent.voice, Object.values(this.#core.clips));
    void this.#link.open();
  }

  onAnswered(atMs: number): void {
    this.#core.begin(atMs);
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    if (this.#closed) return;
    const atMs = this.#deps.now();
    this.#core.begin(atMs);
    if (this.#onArrival) this.#ticks += 1;
    const stalled = this.#ticks - this.#arrivals > ARRIVAL_STALL_FRAMES;
    if (!this.#onArrival || stalled) {
      if (this.#onArrival) this.#arrivals += 1;
      if (this.#context.request.format !== 'ulaw') this.#append(frame, atMs);
      else if (ulaw) this.#append(ulaw, atMs);
      else {
        encodeUlaw(frame, this.#ulaw);
        this.#append(this.#ulaw, atMs);
      }
    }
    this.#localTurnTaking(frame, atMs);
    if (tick % TIMER_EVERY_TICKS === 0) this.#dispatch({ type: 'tick', atMs, agentAudible: this.#output.audible });
  }

  onCallerPacket(ulaw: Uint8Array): void {
    if (this.#closed || this.#context.request.format !== 'ulaw') return;
    if (!this.#onArrival) this.#ticks = this.#arrivals;
    this.#onArrival = true;
    this.#arrivals += 1;
    this.#append(ulaw, this.#deps.now());
  }

  onAgentFrameSent(frame: Int16Array, atMs: number, cleared = false): void {
    this.#lastAgentFrame.set(frame);
    this.#agentFrameFresh = true;
    this.#output.onSent(atMs, cleared);
  }

  onAgentFramesUnseen(count: number, atMs: number, cleared: boolean): void {
    this.#output.onSent(atMs, cleared, count);
  }

  onDtmf(digit: string): void {
    if (this.#closed) return;
    this.#dispatch({ type: 'dtmf', digit, atMs: this.#deps.now(), playedText: this.#heard() });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#call.abort();
    this.#core.cancelAll();
    this.#link.close();
    await this.#core.business?.close();
  }

  // ---- the Realtime session ---------------------------------------------------

  #send(event: Record<string, unknown>): void {
    this.#link.send(event);
  }

  /** The socket dropped: what ran on the old session ends there (the link opens a new one). */
  #dropped(): void {
    this.#events.connectionLost();
    this.#input.restart();
    this.#committedAtMs = 0;
  }

  /** The conversation so far, for a session opened after a drop. */
  #reseed(): Record<string, unknown>[] {
    const seq = this.#core.machine.currentTurn;
    const inProgress = seq === null ? [] : (this.#core.turns.get(seq)?.said() ?? []);
    return this.#sync.reseed({ history: this.#core.machine.history, placeholder: PENDING_TRANSCRIPT, transcripts: this.#events.transcripts(), inProgress });
  }

  #reopened(attempts: number): void {
    this.#deps.metrics.countRecovery('llm');
    this.#log.info({ attempts }, 'realtime session reopened and given the conversation so far');
    this.#scheduler.resume();
  }

  #append(frame: Uint8Array | Int16Array, atMs: number): void {
    // Audio while no session is ready is not sent: the server's audio clock starts with the first append.
    if (!this.#link.ready) return;
    const payload = this.#input.push(frame, atMs);
    if (payload !== null) this.#link.send({ type: 'input_audio_buffer.append', audio: payload });
  }

  #onEvent(event: RealtimeServerEvent): void {
    if (this.#closed) return;
    if (event.type === 'error') {
      this.#events.onError(event, errorText(event));
      return;
    }
    this.#events.handle(event);
  }

  /** Local turn detection: our VAD ends the caller's turn (commit), our echo-gated detector decides barge-in. */
  #localTurnTaking(frame: Int16Array, atMs: number): void {
    if (this.#vad === null || this.#bargeIn === null) return;
    const vad = this.#vad.process(frame, atMs);
    if (vad?.type === 'speech_start') this.#dispatch({ type: 'caller_speech_start', atMs: vad.atMs });
    else if (vad?.type === 'speech_end') {
      this.#dispatch({ type: 'caller_speech_end', atMs: vad.atMs });
      const pending = this.#input.flush();
      if (pending !== null) this.#send({ type: 'input_audio_buffer.append', audio: pending });
      if (this.#link.ready && this.#input.sentMs - this.#committedAtMs >= MIN_COMMIT_MS) {
        this.#committedAtMs = this.#input.sentMs;
        this.#send({ type: 'input_audio_buffer.commit' });
      }
    }
    const agentFrame = this.#agentFrameFresh ? this.#lastAgentFrame : null;
    this.#agentFrameFresh = false;
    const barge = this.#bargeIn.process(frame, agentFrame, atMs);
    // The Realtime turn cannot be paused and resumed (the server's response is cancelled and truncated): no pause, only barge-ins.
    if (barge?.type === 'barge_in' && this.#output.audible) this.#dispatch({ type: 'barge_in', atMs, onsetMs: barge.onsetMs, playedText: this.#heard() });
  }

  #providerFailed(error: unknown): void {
    // The first failure is the call's: what follows from it (the response it failed, the socket closing) is not news.
    if (this.#closed || this.#call.signal.aborted || this.#failed) return;
    this.#failed = true;
    this.#link.close();
    // The Realtime model is the call's language model (and its voice): failures are reported as 'llm'.
    this.#core.providerFailed('llm', error, 'openai-realtime');
  }

  // ---- machine ----------------------------------------------------------------

  #dispatch(event: ConversationEvent): void {
    this.#core.dispatch(event);
  }

  #apply(effect: EngineEffect): void {
    switch (effect.type) {
      case 'play_clip':
        this.#playClip(effect.turn, effect.clip);
        return;
      case 'start_llm': {
        const start = (): void => {
          for (const event of this.#sync.toolOutputs(effect.messages)) this.#send(event);
          if (this.#core.tools.length !== this.#toolsSent) {
            this.#toolsSent = this.#core.tools.length;
            this.#send({ type: 'session.update', session: { type: 'realtime', tools: toolsConfig(this.#core.tools) } });
          }
          this.#core.turn(effect.turn);
          this.#scheduler.request(effect.turn);
        };
        const business = this.#core.business;
        if (business === null || business.ready) start();
        else void business.listed.then(start);
        return;
      }
      case 'finish_speech':
        this.#core.turns.get(effect.turn)?.finishSpeech();
        return;
      case 'cancel_turn':
        this.#cancelTurn(effect.turn);
        return;
      case 'report_turn':
        this.#report(effect.turn);
        return;
    }
  }

  #report(report: TurnReport): void {
    if (report.role === 'caller') {
      this.#events.callerReported(report);
      // Keys are not in the server's conversation: the model reads them as text.
      if (report.dtmf) this.#send(userText(report.text.replaceAll(PENDING_TRANSCRIPT, '').trim()));
      this.#deps.backend.reportTurn(this.#context.request.callId, this.#events.withTranscripts(report));
      return;
    }
    if (report.latency) this.#deps.metrics.record(report.latency);
    this.#deps.backend.reportTurn(this.#context.request.callId, this.#core.business?.withRecords(report) ?? report);
  }

  /** Barge-in (or the caller went on): stop the answer and keep in the server's conversation only what was heard. */
  #cancelTurn(seq: number): void {
    const turn = this.#core.turns.get(seq);
    this.#scheduler.cancel(seq);
    for (const answer of turn?.answers ?? []) {
      if (answer.itemId !== null && answer.receivedMs > 0 && !answer.fullyHeard) {
        this.#send({ type: 'conversation.item.truncate', item_id: answer.itemId, content_index: 0, audio_end_ms: answer.heardMs });
      }
    }
    this.#core.release(seq);
    this.#output.clear();
  }

  #heard(): string {
    return this.#core.heard();
  }

  #playClip(seq: number, clip: ClipName): void {
    const text = this.#core.clips[clip];
    const frames = this.#core.clipFrames(this.#context.request.agent.voice, clip, text);
    if (clip === 'filler' || clip === 'filler_more') {
      const signal = this.#core.turn(seq).signal;
      void frames.then((audio) => this.#output.play(audio, null, signal)).catch((error: unknown) => this.#log.warn({ err: error }, 'filler not played'));
      return;
    }
    // The model must know what the caller heard from us.
    this.#send(assistantText(text));
    const own = !this.#core.turns.has(seq);
    const turn = this.#core.turn(seq);
    turn.playClip(text, frames);
    if (own) turn.finishSpeech();
  }
}
