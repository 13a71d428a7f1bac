// The AI agent of one call: a thin coordinator. The conversation machine
// (pure) decides; Turn objects do the work of each agent turn (LLM, TTS,
// playback, cancellation); this class feeds the machine with what happens
// (caller audio through the VAD and barge-in detector, transcripts, keys, the
// turns' milestones, provider failures) and applies its effects: it creates,
// cancels and releases turns, plays fillers and asks the backend to act.
// Every turn has its own AbortController linked to the call's; a barge-in
// cancels the turn and clears the playout at once; an abort is not an error.
// Barge-in detection (on the caller's audio as it arrives), its pauses and
// resumes: ai-agent-barge-in.ts.
// The business's own tools (HTTP, MCP) run here too (agent-business-tools.ts).
import type { Logger } from 'pino';
import type { BackendClient } from '../backend/backend-client.js';
import type { AgentContext, CallAgent } from './agent.js';
import { AgentBusinessTools } from './agent-business-tools.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { encodeUlaw } from '../codec/g711.js';
import { AgentOutput } from '../conversation/agent-output.js';
import { BargeInControl, bargeInSettings } from './ai-agent-barge-in.js';
import type { ClipCache } from '../conversation/clip-cache.js';
import { clipTexts } from '../conversation/clip-texts.js';
import { ConversationMachine } from '../conversation/conversation-machine.js';
import { conversationTools } from '../conversation/conversation-tools.js';
import type { ClipName, ConversationEffect, ConversationEvent } from '../conversation/conversation-types.js';
import { SpeechChannel } from '../conversation/speech-channel.js';
import { systemPrompt } from '../conversation/system-prompt.js';
import { Turn } from '../conversation/turn.js';
import type { TurnMetrics } from '../conversation/turn-metrics.js';
import { TURN_ONSET_MIN_SPEECH_MS, VoiceActivityDetector } from '../conversation/vad.js';
import { openResilientStt } from '../providers/resilient-stt.js';
import type { LlmProvider, SttEvent, SttProvider, SttStream, ToolSpec, TtsFrame, TtsProvider } from '../providers/types.js';
import { TOOL_NAMES } from '../conversation/conversation-tools.js';
import type { CallToolsFactory } from '../tools/tool-runtime.js';
import type { CallVoiceDetectors } from '../vad/voice-detector.js';

export interface ConversationTimings {
  bargeInMinMs: number;
  /** Speech-to-text events that count as barge-in evidence (barge-in.ts). */
  bargeInSttEvidence: 'off' | 'speech_started' | 'words';
  bargeInSttMinMs: number;
  /** Caller speech that pauses the agent until the barge-in is confirmed; 0: never pause. */
  bargeInPauseMs: number;
  /** A pause not confirmed (no words, no more speech) this long resumes the turn once the caller is quiet. */
  bargeInResumeMs: number;
  /**
   * The barge-in detector hears the caller's packets as they arrive instead of the jitter
   * buffer's frames (it decides a jitter buffer's delay sooner); absent: on. False: the
   * jitter buffer's frames, for a transport that passes no packets on arrival.
   */
  bargeInOnArrival?: boolean;
  silenceRepromptMs: number;
  maxReprompts: number;
  maxCallMs: number;
  fillerAfterMs: number;
  sttEndpointingMs: number;
  sttUtteranceEndMs: number;
}

export interface AiAgentDeps {
  stt: SttProvider;
  llm: LlmProvider;
  tts: TtsProvider;
  clips: ClipCache;
  backend: BackendClient;
  timings: ConversationTimings;
  metrics: TurnMetrics;
  now: () => number;
  /** The business's own tools (HTTP, MCP); absent: the built-in tools only. */
  businessTools?: CallToolsFactory | undefined;
  /** This call's voice detectors (energy or Silero), released with the agent; absent: energy. */
  voice?: CallVoiceDetectors | undefined;
}

/** Conversation timers (silence, limits, filler, key sequences) are checked every this many ticks. */
const TIMER_EVERY_TICKS = 5;
/** A key sequence without '#' ends after this long without a key. */
const KEYPAD_GAP_MS = 2_000;
/** Arrivals this many frames behind the ticks are a stall: the ticks' audio fills in. */
const ARRIVAL_STALL_FRAMES = 3;

export class AiAgent implements CallAgent {
  readonly #context: AgentContext;
  readonly #deps: AiAgentDeps;
  readonly #log: Logger;
  readonly #machine: ConversationMachine;
  readonly #clips: Record<ClipName, string>;
  readonly #voice: string;
  /** Built-in tools, then the business's once listed (each LLM round reads the list afresh). */
  readonly #tools: ToolSpec[];
  readonly #business: AgentBusinessTools | null;
  readonly #vad: VoiceActivityDetector;
  readonly #bargeIn: BargeInControl;
  readonly #output: AgentOutput;
  readonly #speech: SpeechChannel;
  readonly #call = new AbortController();
  readonly #turns = new Map<number, Turn>();
  readonly #ulaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  #stt: SttStream | null = null;
  /**
   * Provider failures before the media started: the conversation only acts on
   * events once it started, so they wait for the start (a provider that could
   * not be opened must still end the call with the apology, not leave it deaf).
   */
  readonly #failuresBeforeStart: Extract<ConversationEvent, { type: 'provider_error' }>[] = [];
  #started = false;
  #closed = false;
  /** The caller's audio reaches the STT from onCallerPacket, not from the ticks. */
  #sttOnArrival = false;
  /** Frames sent to the STT on arrival (and fills), and ticks since arrivals began: their gap is a stall. */
  #sttArrivals = 0;
  #sttTicks = 0;

  constructor(context: AgentContext, deps: AiAgentDeps) {
    this.#context = context;
    this.#deps = deps;
    this.#log = context.logger.child({ component: 'ai-agent' });
    const agent = context.request.agent;
    this.#voice = agent.voice;
    this.#clips = clipTexts(agent, context.request.resume);
    this.#tools = conversationTools(agent.transferTarget !== null);
    const callTools = deps.businessTools?.(context.request, Object.values(TOOL_NAMES), this.#log) ?? null;
    this.#business = callTools?.any
      ? new AgentBusinessTools({
          tools: callTools,
          signal: this.#call.signal,
          report: (turn) => deps.backend.reportTurn(context.request.callId, turn),
          // Listed while the greeting plays.
          listedTools: (specs) => this.#tools.push(...specs),
        })
      : null;
    this.#machine = new ConversationMachine(
      {
        systemPrompt: systemPrompt(agent, context.request.caller.from, new Date()),
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
    const detector = deps.voice?.create;
    this.#vad = new VoiceActivityDetector({ minSpeechMs: TURN_ONSET_MIN_SPEECH_MS, ...(detector ? { detector } : {}) });
    this.#output = new AgentOutput(context);
    this.#bargeIn = new BargeInControl({
      settings: bargeInSettings(deps.timings),
      currentTurn: () => {
        const seq = this.#machine.currentTurn;
        return seq === null ? null : (this.#turns.get(seq) ?? null);
      },
      audible: () => this.#output.audible,
      heard: () => this.#heard(),
      bargeIn: (event) => this.#dispatch(event),
      count: (outcome) => deps.metrics.countBargeIn(outcome),
      ...(detector ? { detector } : {}),
    });
    this.#speech = new SpeechChannel({
      tts: deps.tts,
      voice: this.#voice,
      signal: this.#call.signal,
      now: deps.now,
      logger: this.#log,
      onReconnect: () => deps.metrics.countRecovery('tts'),
      onDown: (error) => this.#providerFailed('tts', error),
    });
    deps.clips.warm(this.#voice, Object.values(this.#clips));
    void this.#openProviders();
  }

  onAnswered(atMs: number): void {
    this.#begin(atMs);
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    if (this.#closed) return;
    const atMs = this.#deps.now();
    this.#begin(atMs);
    // The session passes the caller's audio on arrival (onCallerPacket): the
    // speech-to-text hears it without the jitter buffer's delay. When arrivals
    // stall (a sender pause), the ticks' silence keeps its audio clock going,
    // or it would never hear the silence that ends an utterance.
    if (this.#sttOnArrival) this.#sttTicks += 1;
    const stalled = this.#sttTicks - this.#sttArrivals > ARRIVAL_STALL_FRAMES;
    if (this.#stt && (!this.#sttOnArrival || stalled)) {
      if (this.#sttOnArrival) this.#sttArrivals += 1;
      if (ulaw) this.#stt.send(ulaw);
      else {
        encodeUlaw(frame, this.#ulaw);
        this.#stt.send(this.#ulaw);
      }
    }
    const vad = this.#vad.process(frame, atMs);
    if (vad?.type === 'speech_start') this.#dispatch({ type: 'caller_speech_start', atMs: vad.atMs });
    else if (vad?.type === 'speech_end') this.#dispatch({ type: 'caller_speech_end', atMs: vad.atMs });

    this.#bargeIn.onTick(frame, atMs);

    // A paused turn still holds the floor (dead air is not counted from a pause).
    const agentAudible = this.#output.audible || this.#bargeIn.pausedTurn !== null;
    if (tick % TIMER_EVERY_TICKS === 0) this.#dispatch({ type: 'tick', atMs, agentAudible });
  }

  /** The conversation starts (the greeting) once, at the answer or else the first caller frame. */
  #begin(atMs: number): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    this.#dispatch({ type: 'start', atMs, wallMs: Date.now() });
    for (const failure of this.#failuresBeforeStart.splice(0)) this.#dispatch({ ...failure, atMs });
  }

  onCallerPacket(ulaw: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#sttOnArrival) this.#sttTicks = this.#sttArrivals;
    this.#sttOnArrival = true;
    this.#sttArrivals += 1;
    this.#stt?.send(ulaw);
    if (this.#started && this.#deps.timings.bargeInOnArrival !== false) this.#bargeIn.onArrival(ulaw, this.#deps.now());
  }

  onAgentFrameSent(frame: Int16Array, atMs: number): void {
    this.#bargeIn.onAgentFrameSent(frame);
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
    this.#deps.voice?.close();
    await Promise.allSettled([this.#stt?.close(), this.#speech.close(), this.#business?.close()]);
  }

  // ---- providers ------------------------------------------------------------

  async #openProviders(): Promise<void> {
    const { stt, timings, now, metrics } = this.#deps;
    const signal = this.#call.signal;
    const [sttResult, ttsResult] = await Promise.allSettled([
      openResilientStt({
        provider: stt,
        stream: {
          encoding: 'mulaw',
          sampleRate: 8000,
          language: this.#context.request.agent.language,
          endpointingMs: timings.sttEndpointingMs,
          utteranceEndMs: timings.sttUtteranceEndMs,
        },
        signal,
        now,
        onReconnect: (cause) => {
          metrics.countRecovery('stt');
          this.#log.warn({ err: cause }, 'speech-to-text stream dropped; a new one took over');
        },
      }),
      this.#speech.start(),
    ]);
    if (this.#closed) {
      if (sttResult.status === 'fulfilled') await sttResult.value.close();
      return;
    }
    if (sttResult.status === 'fulfilled') {
      this.#stt = sttResult.value;
      void this.#pumpStt(sttResult.value);
    } else this.#providerFailed('stt', sttResult.reason);
    if (ttsResult.status === 'rejected') this.#providerFailed('tts', ttsResult.reason);
  }

  async #pumpStt(stream: SttStream): Promise<void> {
    try {
      for await (const event of stream.events) this.#onStt(event);
    } catch (error) {
      this.#providerFailed('stt', error);
    }
  }

  #onStt(event: SttEvent): void {
    switch (event.type) {
      case 'final':
        this.#bargeIn.onStt(event);
        this.#dispatch({ type: 'stt_final', text: event.text, speechFinal: event.speechFinal, atMs: event.atMs });
        return;
      case 'utterance_end':
        this.#dispatch({ type: 'stt_utterance_end', atMs: event.atMs });
        return;
      case 'speech_started':
      case 'interim':
        this.#bargeIn.onStt(event);
        return;
    }
  }

  #providerFailed(provider: 'stt' | 'llm' | 'tts', error: unknown): void {
    if (this.#closed || this.#call.signal.aborted) return;
    // ProviderError messages name the vendor and what failed, never a key.
    const message = error instanceof Error ? error.message : 'unknown provider failure';
    this.#log.error({ provider, error: message }, 'provider failed during the call');
    const event = { type: 'provider_error' as const, provider, error: message, atMs: this.#deps.now(), playedText: this.#heard() };
    if (this.#started) this.#dispatch(event);
    else this.#failuresBeforeStart.push(event);
  }

  // ---- machine ----------------------------------------------------------------

  #dispatch(event: ConversationEvent): void {
    if (this.#closed) return;
    for (const effect of this.#machine.handle(event)) this.#apply(effect);
    // A turn whose audio was all heard is over: its resources go.
    if (event.type === 'agent_audio_done' && this.#machine.currentTurn !== event.turn) this.#release(event.turn);
  }

  #apply(effect: ConversationEffect): void {
    const callId = this.#context.request.callId;
    switch (effect.type) {
      case 'play_clip':
        this.#playClip(effect.turn, effect.clip);
        return;
      case 'start_llm': {
        const turn = this.#turn(effect.turn);
        // The first answer waits for the business's tool list (bounded by the listing's timeout).
        if (this.#business === null || this.#business.ready) turn.startRound(effect.messages);
        else void this.#business.listed.then(() => turn.startRound(effect.messages));
        return;
      }
      case 'finish_speech':
        this.#turns.get(effect.turn)?.finishSpeech();
        return;
      case 'cancel_turn':
        this.#release(effect.turn);
        this.#output.clear();
        return;
      case 'report_turn':
        if (effect.turn.role === 'agent' && effect.turn.latency) this.#deps.metrics.record(effect.turn.latency);
        this.#deps.backend.reportTurn(callId, this.#business?.withRecords(effect.turn) ?? effect.turn);
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

  #turn(seq: number): Turn {
    let turn = this.#turns.get(seq);
    if (!turn) {
      turn = new Turn({
        seq,
        callSignal: this.#call.signal,
        llm: this.#deps.llm,
        tools: this.#tools,
        speech: this.#speech,
        output: this.#output,
        now: this.#deps.now,
        logger: this.#log,
        emit: (event) => this.#dispatch(event),
        failed: (provider, error) => this.#providerFailed(provider, error),
        retried: () => this.#deps.metrics.countRecovery('llm'),
      });
      this.#turns.set(seq, turn);
    }
    return turn;
  }

  #release(seq: number): void {
    this.#turns.get(seq)?.cancel();
    this.#turns.delete(seq);
  }

  /** What the caller heard of the turn in progress. */
  #heard(): string {
    const seq = this.#machine.currentTurn;
    return seq === null ? '' : (this.#turns.get(seq)?.heard() ?? '');
  }

  #playClip(seq: number, clip: ClipName): void {
    const text = this.#clips[clip];
    const frames = this.#clipFrames(clip, text);
    if (clip === 'filler' || clip === 'filler_more') {
      // Belongs to no turn's words; stops when the answer it fills is cancelled.
      const signal = this.#turn(seq).signal;
      void frames.then((audio) => this.#output.play(audio, null, signal)).catch((error: unknown) => this.#log.warn({ err: error }, 'filler not played'));
      return;
    }
    // A clip of its own is a whole turn; a clip inside an answer (a goodbye without words) waits for finish_speech.
    const own = !this.#turns.has(seq);
    const turn = this.#turn(seq);
    turn.playClip(text, frames);
    if (own) turn.finishSpeech();
  }

  async #clipFrames(clip: ClipName, text: string): Promise<readonly TtsFrame[]> {
    const audio = this.#deps.clips.peek(this.#voice, text) ?? (await this.#deps.clips.get(this.#voice, text).catch(() => null));
    if (!audio) this.#log.warn({ clip }, 'clip unavailable; nothing played');
    return audio?.frames ?? [];
  }

  /** A business tool: runs to its answer whatever happens to its turn (must-deliver), like an action. */
  async #runTool(effect: Extract<ConversationEffect, { type: 'run_tool' }>): Promise<void> {
    // `toolArgs` is a field LOG_REDACT_PII removes (media/contract/log-fields.ts).
    this.#log.debug({ tool: effect.name, toolArgs: effect.arguments }, 'language model called a tool');
    const content = this.#business ? await this.#business.run(effect.turn, effect.toolCallId, effect.name, effect.arguments) : `Unknown tool ${effect.name}.`;
    if (content !== null) this.#dispatch({ type: 'tool_result', turn: effect.turn, toolCallId: effect.toolCallId, content });
  }

  /** Runs to the end whatever happens to its turn (must-deliver); a tool call's answer goes back to the machine. */
  async #act(effect: Extract<ConversationEffect, { type: 'action' }>): Promise<void> {
    const callId = this.#context.request.callId;
    if (effect.toolCallId !== null) this.#log.debug({ tool: effect.action.type, toolArgs: effect.action }, 'language model called a tool');
    const result = await this.#deps.backend.action(callId, effect.action);
    if (effect.toolCallId !== null) {
      this.#dispatch({ type: 'action_result', turn: effect.turn, toolCallId: effect.toolCallId, ok: result.ok, message: result.message });
      return;
    }
    if (!result.ok && effect.action.type === 'transfer') {
      // The system's own transfer (a provider down): nobody is left to talk to the caller.
      this.#log.error({ message: result.message }, 'transfer failed; ending the call');
      await this.#deps.backend.action(callId, { type: 'hangup', reason: 'provider_failure' });
    }
  }
}
