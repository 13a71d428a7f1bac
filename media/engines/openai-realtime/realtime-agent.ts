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
//   the transcript when the server's input transcription completes.
import type { Logger } from 'pino';
import type { AgentContext, CallAgent } from '../../agents/agent.js';
import { AgentBusinessTools } from '../../agents/agent-business-tools.js';
import type { AiAgentDeps } from '../../agents/ai-agent.js';
import { SAMPLES_PER_FRAME_8K } from '../../audio/frame.js';
import { encodeUlaw } from '../../codec/g711.js';
import type { TurnReport } from '../../contract/backend.js';
import type { OpenAiRealtimeSettings } from '../../contract/engines.js';
import { AgentOutput } from '../../conversation/agent-output.js';
import { BargeInDetector } from '../../conversation/barge-in.js';
import { clipTexts } from '../../conversation/clip-texts.js';
import { ConversationMachine } from '../../conversation/conversation-machine.js';
import { conversationTools, TOOL_NAMES } from '../../conversation/conversation-tools.js';
import type { ClipName, ConversationEffect, ConversationEvent } from '../../conversation/conversation-types.js';
import { systemPrompt } from '../../conversation/system-prompt.js';
import { TURN_ONSET_MIN_SPEECH_MS, VoiceActivityDetector } from '../../conversation/vad.js';
import type { ToolSpec, TtsFrame } from '../../providers/types.js';
import { InputBridge, OutputBridge } from './audio-bridge.js';
import { assistantText, ConversationSync, resumeItems, userText } from './conversation-sync.js';
import { errorText, RealtimeConnection, type RealtimeServerEvent } from './realtime-connection.js';
import { RealtimeEvents } from './realtime-events.js';
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
const KEYPAD_GAP_MS = 2_000;
const ARRIVAL_STALL_FRAMES = 3;
/** The API refuses less than this in a commit. */
const MIN_COMMIT_MS = 100;

export class RealtimeAgent implements CallAgent {
  readonly #context: AgentContext;
  readonly #deps: RealtimeAgentDeps;
  readonly #settings: OpenAiRealtimeSettings;
  readonly #log: Logger;
  readonly #machine: ConversationMachine;
  readonly #clips: Record<ClipName, string>;
  readonly #instructions: string;
  readonly #tools: ToolSpec[];
  readonly #business: AgentBusinessTools | null;
  readonly #output: AgentOutput;
  readonly #input: InputBridge;
  readonly #events: RealtimeEvents;
  readonly #scheduler: ResponseScheduler;
  readonly #sync = new ConversationSync();
  readonly #vad: VoiceActivityDetector | null;
  readonly #bargeIn: BargeInDetector | null;
  readonly #call = new AbortController();
  readonly #turns = new Map<number, RealtimeTurn>();
  readonly #ulaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  readonly #lastAgentFrame = new Int16Array(SAMPLES_PER_FRAME_8K);
  readonly #failuresBeforeStart: Extract<ConversationEvent, { type: 'provider_error' }>[] = [];
  /** Client events asked for before the session was ready, sent in order once it is. */
  readonly #outbox: Record<string, unknown>[] = [];
  #connection: RealtimeConnection | null = null;
  #toolsSent = 0;
  #agentFrameFresh = false;
  #started = false;
  #closed = false;
  #onArrival = false;
  #arrivals = 0;
  #ticks = 0;
  #committedAtMs = 0;
  #failed = false;

  constructor(context: AgentContext, deps: RealtimeAgentDeps, settings: OpenAiRealtimeSettings) {
    this.#context = context;
    this.#deps = deps;
    this.#settings = settings;
    this.#log = context.logger.child({ component: 'realtime-agent' });
    const agent = context.request.agent;
    this.#clips = clipTexts(agent, context.request.resume);
    this.#tools = conversationTools(agent.transferTarget !== null);
    const callTools = deps.businessTools?.(context.request, Object.values(TOOL_NAMES), this.#log) ?? null;
    this.#business = callTools?.any
      ? new AgentBusinessTools({
          tools: callTools,
          signal: this.#call.signal,
          report: (turn) => deps.backend.reportTurn(context.request.callId, turn),
          listedTools: (specs) => this.#tools.push(...specs),
        })
      : null;
    this.#instructions = systemPrompt(agent, context.request.caller.from, new Date());
    this.#machine = new ConversationMachine(
      {
        systemPrompt: this.#instructions,
        canTransfer: agent.transferTarget !== null,
        silenceRepromptMs: deps.timings.silenceRepromptMs,
        maxReprompts: deps.timings.maxReprompts,
        maxCallMs: deps.timings.maxCallMs,
        fillerAfterMs: deps.timings.fillerAfterMs,
        keypadActions: agent.keypadActions ?? {},
        keypadGapMs: KEYPAD_GAP_MS,
        isBusinessTool: (name) => this.#business?.has(name) ?? false,
      },
      this.#clips,
    );
    if (context.request.resume) this.#machine.resumeFrom(context.request.resume);
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
      turnOf: (seq) => this.#turns.get(seq) ?? null,
      audible: () => this.#output.audible,
      heard: () => this.#heard(),
      dispatch: (event) => this.#dispatch(event),
      failed: (error) => this.#providerFailed(error),
      report: (report) => this.#deps.backend.reportTurn(this.#context.request.callId, report),
    });
    deps.clips.warm(agent.voice, Object.values(this.#clips));
    void this.#open();
  }

  onAnswered(atMs: number): void {
    this.#begin(atMs);
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    if (this.#closed) return;
    const atMs = this.#deps.now();
    this.#begin(atMs);
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

  onAgentFrameSent(frame: Int16Array, atMs: number): void {
    this.#lastAgentFrame.set(frame);
    this.#agentFrameFresh = true;
    this.#output.onSent(atMs);
  }

  onDtmf(digit: string): void {
    if (this.#closed) return;
    this.#dispatch({ type: 'dtmf', digit, atMs: this.#deps.now(), playedText: this.#heard() });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#call.abort();
    for (const turn of this.#turns.values()) turn.cancel();
    this.#turns.clear();
    this.#connection?.close();
    await this.#business?.close();
  }

  // ---- the Realtime session ---------------------------------------------------

  async #open(): Promise<void> {
    const agent = this.#context.request.agent;
    try {
      const connection = await RealtimeConnection.open({
        apiKey: this.#deps.apiKey,
        baseURL: this.#deps.baseURL,
        model: this.#settings.model,
        session: sessionUpdate({ settings: this.#settings, format: this.#context.request.format, instructions: this.#instructions, tools: this.#tools, language: agent.language }),
        signal: this.#call.signal,
        onEvent: (event) => this.#onEvent(event),
        onLost: (error) => this.#providerFailed(error),
      });
      if (this.#closed) {
        connection.close();
        return;
      }
      this.#connection = connection;
      this.#toolsSent = this.#tools.length;
      for (const event of [...resumeItems(this.#context.request.resume), ...this.#outbox.splice(0)]) connection.send(event);
    } catch (error: unknown) {
      this.#providerFailed(error);
    }
  }

  #send(event: Record<string, unknown>): void {
    if (this.#connection) this.#connection.send(event);
    else if (!this.#closed) this.#outbox.push(event);
  }

  #append(frame: Uint8Array | Int16Array, atMs: number): void {
    // Audio before the session is ready is not sent: the server's audio clock starts with the first append.
    if (this.#connection === null) return;
    const payload = this.#input.push(frame, atMs);
    if (payload !== null) this.#connection.send({ type: 'input_audio_buffer.append', audio: payload });
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
      if (this.#connection !== null && this.#input.sentMs - this.#committedAtMs >= MIN_COMMIT_MS) {
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

  #begin(atMs: number): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    this.#dispatch({ type: 'start', atMs, wallMs: Date.now() });
    for (const failure of this.#failuresBeforeStart.splice(0)) this.#dispatch({ ...failure, atMs });
  }

  #providerFailed(error: unknown): void {
    // The first failure is the call's: what follows from it (the response it failed, the socket closing) is not news.
    if (this.#closed || this.#call.signal.aborted || this.#failed) return;
    this.#failed = true;
    const message = error instanceof Error ? error.message : 'unknown provider failure';
    this.#log.error({ provider: 'openai-realtime', error: message }, 'provider failed during the call');
    this.#connection?.close();
    // The Realtime model is the call's language model (and its voice): failures are reported as 'llm'.
    const event = { type: 'provider_error' as const, provider: 'llm' as const, error: message, atMs: this.#deps.now(), playedText: this.#heard() };
    if (this.#started) this.#dispatch(event);
    else this.#failuresBeforeStart.push(event);
  }

  // ---- machine ----------------------------------------------------------------

  #dispatch(event: ConversationEvent): void {
    if (this.#closed) return;
    for (const effect of this.#machine.handle(event)) this.#apply(effect);
    if (event.type === 'agent_audio_done' && this.#machine.currentTurn !== event.turn) this.#release(event.turn);
  }

  #apply(effect: ConversationEffect): void {
    const callId = this.#context.request.callId;
    switch (effect.type) {
      case 'play_clip':
        this.#playClip(effect.turn, effect.clip);
        return;
      case 'start_llm': {
        const start = (): void => {
          for (const event of this.#sync.toolOutputs(effect.messages)) this.#send(event);
          if (this.#tools.length !== this.#toolsSent) {
            this.#toolsSent = this.#tools.length;
            this.#send({ type: 'session.update', session: { type: 'realtime', tools: toolsConfig(this.#tools) } });
          }
          this.#turn(effect.turn);
          this.#scheduler.request(effect.turn);
        };
        if (this.#business === null || this.#business.ready) start();
        else void this.#business.listed.then(start);
        return;
      }
      case 'finish_speech':
        this.#turns.get(effect.turn)?.finishSpeech();
        return;
      case 'cancel_turn':
        this.#cancelTurn(effect.turn);
        return;
      case 'report_turn':
        this.#report(effect.turn);
        return;
      case 'report_failure':
        this.#deps.backend.reportFailure(callId, { provider: effect.provider, error: effect.error });
        return;
      case 'action':
        void this.#act(effect);
        return;
      case 'run_tool':
        void this.#runTool(effect);
        return;
      case 'stop':
        this.#log.info('conversation over');
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
    this.#deps.backend.reportTurn(this.#context.request.callId, this.#business?.withRecords(report) ?? report);
  }

  /** Barge-in (or the caller went on): stop the answer and keep in the server's conversation only what was heard. */
  #cancelTurn(seq: number): void {
    const turn = this.#turns.get(seq);
    this.#scheduler.cancel(seq);
    for (const answer of turn?.answers ?? []) {
      if (answer.itemId !== null && answer.receivedMs > 0 && !answer.fullyHeard) {
        this.#send({ type: 'conversation.item.truncate', item_id: answer.itemId, content_index: 0, audio_end_ms: answer.heardMs });
      }
    }
    this.#release(seq);
    this.#output.clear();
  }

  #turn(seq: number): RealtimeTurn {
    let turn = this.#turns.get(seq);
    if (!turn) {
      turn = new RealtimeTurn({ seq, callSignal: this.#call.signal, output: this.#output, now: this.#deps.now, logger: this.#log, emit: (event) => this.#dispatch(event) });
      this.#turns.set(seq, turn);
    }
    return turn;
  }

  #release(seq: number): void {
    this.#turns.get(seq)?.cancel();
    this.#turns.delete(seq);
  }

  #heard(): string {
    const seq = this.#machine.currentTurn;
    return seq === null ? '' : (this.#turns.get(seq)?.heard() ?? '');
  }

  #playClip(seq: number, clip: ClipName): void {
    const text = this.#clips[clip];
    const voice = this.#context.request.agent.voice;
    const frames: Promise<readonly TtsFrame[]> = (async () => {
      const audio = this.#deps.clips.peek(voice, text) ?? (await this.#deps.clips.get(voice, text).catch(() => null));
      if (!audio) this.#log.warn({ clip }, 'clip unavailable; nothing played');
      return audio?.frames ?? [];
    })();
    if (clip === 'filler' || clip === 'filler_more') {
      const signal = this.#turn(seq).signal;
      void frames.then((audio) => this.#output.play(audio, null, signal)).catch((error: unknown) => this.#log.warn({ err: error }, 'filler not played'));
      return;
    }
    // The model must know what the caller heard from us.
    this.#send(assistantText(text));
    const own = !this.#turns.has(seq);
    const turn = this.#turn(seq);
    turn.playClip(text, frames);
    if (own) turn.finishSpeech();
  }

  async #runTool(effect: Extract<ConversationEffect, { type: 'run_tool' }>): Promise<void> {
    this.#log.debug({ tool: effect.name, toolArgs: effect.arguments }, 'language model called a tool');
    const content = this.#business ? await this.#business.run(effect.turn, effect.toolCallId, effect.name, effect.arguments) : `Unknown tool ${effect.name}.`;
    if (content !== null) this.#dispatch({ type: 'tool_result', turn: effect.turn, toolCallId: effect.toolCallId, content });
  }

  async #act(effect: Extract<ConversationEffect, { type: 'action' }>): Promise<void> {
    const callId = this.#context.request.callId;
    if (effect.toolCallId !== null) this.#log.debug({ tool: effect.action.type, toolArgs: effect.action }, 'language model called a tool');
    const result = await this.#deps.backend.action(callId, effect.action);
    if (effect.toolCallId !== null) {
      this.#dispatch({ type: 'action_result', turn: effect.turn, toolCallId: effect.toolCallId, ok: result.ok, message: result.message });
      return;
    }
    if (!result.ok && effect.action.type === 'transfer') {
      this.#log.error({ message: result.message }, 'transfer failed; ending the call');
      await this.#deps.backend.action(callId, { type: 'hangup', reason: 'provider_failure' });
    }
  }
}
