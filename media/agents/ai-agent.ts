// The AI agent of one call: a thin coordinator around the conversation state
// machine. It turns audio, transcripts and provider streams into machine
// events, and the machine's effects into provider calls, playout and backend
// requests. Every agent turn has its own AbortController linked to the call's:
// a barge-in aborts the turn (LLM and TTS) and clears the playout at once; an
// abort is not an error.
import type { Logger } from 'pino';
import type { BackendClient } from '../backend/backend-client.js';
import type { AgentContext, CallAgent } from './agent.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { encodeUlaw } from '../codec/g711.js';
import { AgentOutput, NO_TURN } from '../conversation/agent-output.js';
import { BargeInDetector } from '../conversation/barge-in.js';
import type { ClipCache } from '../conversation/clip-cache.js';
import { clipTexts } from '../conversation/clip-texts.js';
import { ConversationMachine } from '../conversation/conversation-machine.js';
import { conversationTools } from '../conversation/conversation-tools.js';
import type { ClipName, ConversationEffect, ConversationEvent } from '../conversation/conversation-types.js';
import { SentenceSplitter } from '../conversation/sentence-splitter.js';
import { systemPrompt } from '../conversation/system-prompt.js';
import { TURN_ONSET_MIN_SPEECH_MS, VoiceActivityDetector } from '../conversation/vad.js';
import { linkAbort } from '../providers/abort-link.js';
import type { LlmProvider, SttProvider, SttStream, TtsProvider } from '../providers/types.js';
import { AgentSpeech } from '../conversation/agent-speech.js';
import type { TurnMetrics } from '../conversation/turn-metrics.js';
import { TOOL_NAMES } from '../conversation/conversation-tools.js';
import type { ToolCallRecord } from '../contract/backend.js';
import type { CallTools } from '../tools/call-tools.js';
import type { CallToolsFactory } from '../tools/tool-runtime.js';

export interface ConversationTimings {
  bargeInMinMs: number;
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
  businessTools?: CallToolsFactory;
}

/** Conversation timers (silence, limits, filler) are checked every this many ticks. */
const TIMER_EVERY_TICKS = 5;

export class AiAgent implements CallAgent {
  readonly #context: AgentContext;
  readonly #deps: AiAgentDeps;
  readonly #log: Logger;
  readonly #machine: ConversationMachine;
  readonly #clips: Record<ClipName, string>;
  readonly #voice: string;
  readonly #vad: VoiceActivityDetector;
  readonly #bargeIn: BargeInDetector;
  readonly #output: AgentOutput;
  readonly #call = new AbortController();
  readonly #turnControllers = new Map<number, AbortController>();
  readonly #splitters = new Map<number, SentenceSplitter>();
  readonly #speech: AgentSpeech;
  readonly #answerTurns = new Set<number>();
  readonly #ulaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  readonly #lastAgentFrame = new Int16Array(SAMPLES_PER_FRAME_8K);
  #agentFrameFresh = false;
  #stt: SttStream | null = null;
  /**
   * Provider failures before the media started: the conversation only acts on
   * events once it started, so they wait for the start (a provider that could
   * not be opened must still end the call with the apology, not leave it deaf).
   */
  readonly #failuresBeforeStart: Extract<ConversationEvent, { type: 'provider_error' }>[] = [];
  #started = false;
  #closed = false;
  /** The business's tools of this call, listed at the start; null when it has none. */
  readonly #tools: CallTools | null;
  readonly #toolsReady: Promise<void>;
  /** Running business tools by turn: a cancelled turn aborts them. */
  readonly #toolRuns = new Map<number, Set<AbortController>>();
  /** What each agent turn's business tools sent and got, for its turn record. */
  readonly #toolRecords = new Map<number, ToolCallRecord[]>();

  constructor(context: AgentContext, deps: AiAgentDeps) {
    this.#context = context;
    this.#deps = deps;
    this.#log = context.logger.child({ component: 'ai-agent' });
    const agent = context.request.agent;
    this.#voice = agent.voice;
    this.#clips = clipTexts(agent);
    const tools = deps.businessTools?.(context.request, Object.values(TOOL_NAMES), this.#log) ?? null;
    this.#tools = tools?.any ? tools : null;
    this.#toolsReady = this.#tools?.prepare(this.#call.signal) ?? Promise.resolve();
    this.#machine = new ConversationMachine(
      {
        systemPrompt: systemPrompt(agent, context.request.caller.from, new Date()),
        canTransfer: agent.transferTarget !== null,
        silenceRepromptMs: deps.timings.silenceRepromptMs,
        maxReprompts: deps.timings.maxReprompts,
        maxCallMs: deps.timings.maxCallMs,
        fillerAfterMs: deps.timings.fillerAfterMs,
        isBusinessTool: (name) => this.#tools?.has(name) ?? false,
      },
      this.#clips,
    );
    this.#vad = new VoiceActivityDetector({ minSpeechMs: TURN_ONSET_MIN_SPEECH_MS });
    this.#bargeIn = new BargeInDetector({ minSpeechMs: deps.timings.bargeInMinMs });
    this.#output = new AgentOutput(context, {
      firstSent: (turn, atMs) => this.#dispatch({ type: 'agent_audio_sent', turn, atMs }),
      drained: (turn, atMs) => {
        this.#output.forget(turn);
        this.#dispatch({ type: 'agent_audio_done', turn, atMs });
      },
    });
    this.#speech = new AgentSpeech({
      tts: deps.tts,
      voice: this.#voice,
      signal: this.#call.signal,
      now: deps.now,
      logger: this.#log,
      listener: {
        firstAudio: (turn, atMs) => this.#dispatch({ type: 'tts_first_audio', turn, atMs }),
        segment: (turn, text) => this.#output.addSegment(turn, text),
        frame: (turn, frame) => this.#output.enqueue(turn, frame),
        done: (turn) => this.#output.end(turn, this.#deps.now()),
        failed: (error) => this.#providerFailed('tts', error),
      },
    });
    deps.clips.warm(this.#voice, Object.values(this.#clips));
    void this.#openProviders();
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    if (this.#closed) return;
    const atMs = this.#deps.now();
    if (!this.#started) {
      this.#started = true;
      this.#dispatch({ type: 'start', atMs, wallMs: Date.now() });
      for (const failure of this.#failuresBeforeStart.splice(0)) this.#dispatch({ ...failure, atMs });
    }
    if (this.#stt) {
      if (ulaw) this.#stt.send(ulaw);
      else {
        encodeUlaw(frame, this.#ulaw);
        this.#stt.send(this.#ulaw);
      }
    }
    const vad = this.#vad.process(frame, atMs);
    if (vad?.type === 'speech_start') this.#dispatch({ type: 'caller_speech_start', atMs: vad.atMs });
    else if (vad?.type === 'speech_end') this.#dispatch({ type: 'caller_speech_end', atMs: vad.atMs });

    const agentFrame = this.#agentFrameFresh ? this.#lastAgentFrame : null;
    this.#agentFrameFresh = false;
    const barge = this.#bargeIn.process(frame, agentFrame, atMs);
    // Decided now (the detector's decidedAtMs is the end of the frame's audio time, 20 ms ahead).
    if (barge && this.#output.audible) this.#interrupt(barge.onsetMs, atMs);

    if (tick % TIMER_EVERY_TICKS === 0) this.#dispatch({ type: 'tick', atMs, agentAudible: this.#output.audible });
    this.#output.pump();
  }

  onAgentFrameSent(frame: Int16Array, atMs: number): void {
    this.#lastAgentFrame.set(frame);
    this.#agentFrameFresh = true;
    this.#output.onSent(atMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#call.abort();
    await Promise.allSettled([this.#stt?.close(), this.#speech.close(), this.#tools?.close()]);
  }

  // ---- providers ------------------------------------------------------------

  async #openProviders(): Promise<void> {
    const { stt, tts, timings } = this.#deps;
    const signal = this.#call.signal;
    const [sttResult, ttsResult] = await Promise.allSettled([
      stt.open({
        encoding: 'mulaw',
        sampleRate: 8000,
        language: this.#context.request.agent.language,
        endpointingMs: timings.sttEndpointingMs,
        utteranceEndMs: timings.sttUtteranceEndMs,
        signal,
      }),
      tts.open({ voice: this.#voice, signal }),
    ]);
    if (this.#closed) {
      if (sttResult.status === 'fulfilled') await sttResult.value.close();
      if (ttsResult.status === 'fulfilled') await ttsResult.value.close();
      return;
    }
    if (sttResult.status === 'fulfilled') {
      this.#stt = sttResult.value;
      void this.#pumpStt(sttResult.value);
    } else this.#providerFailed('stt', sttResult.reason);
    if (ttsResult.status === 'fulfilled') this.#speech.attach(ttsResult.value);
    else this.#providerFailed('tts', ttsResult.reason);
  }

  async #pumpStt(stream: SttStream): Promise<void> {
    try {
      for await (const event of stream.events) {
        if (event.type === 'final') {
          this.#dispatch({ type: 'stt_final', text: event.text, speechFinal: event.speechFinal, atMs: event.atMs });
        } else if (event.type === 'utterance_end') {
          this.#dispatch({ type: 'stt_utterance_end', atMs: event.atMs });
        }
      }
    } catch (error) {
      this.#providerFailed('stt', error);
    }
  }

  #providerFailed(provider: 'stt' | 'llm' | 'tts', error: unknown): void {
    if (this.#closed || this.#call.signal.aborted) return;
    // ProviderError messages name the vendor and what failed, never a key.
    const message = error instanceof Error ? error.message : 'unknown provider failure';
    this.#log.error({ provider, error: message }, 'provider failed during the call');
    const event = { type: 'provider_error' as const, provider, error: message, atMs: this.#deps.now() };
    if (this.#started) this.#dispatch(event);
    else this.#failuresBeforeStart.push(event);
  }

  // ---- machine ----------------------------------------------------------------

  #dispatch(event: ConversationEvent): void {
    if (this.#closed) return;
    for (const effect of this.#machine.handle(event)) this.#apply(effect);
  }

  #apply(effect: ConversationEffect): void {
    const callId = this.#context.request.callId;
    switch (effect.type) {
      case 'play_clip':
        void this.#playClip(effect.turn, effect.clip);
        return;
      case 'start_llm':
        this.#answerTurns.add(effect.turn);
        void this.#runLlm(effect.turn, effect.messages);
        return;
      case 'finish_speech': {
        const rest = this.#splitters.get(effect.turn)?.flush();
        if (rest) this.#speech.speak(effect.turn, rest);
        this.#speech.finish(effect.turn);
        return;
      }
      case 'cancel_turn':
        this.#cancelTurn(effect.turn);
        return;
      case 'report_turn': {
        if (effect.turn.role === 'agent' && effect.turn.latency) this.#deps.metrics.record(effect.turn.latency);
        const tools = effect.turn.role === 'agent' ? this.#toolRecords.get(effect.turn.seq) : undefined;
        this.#toolRecords.delete(effect.turn.seq);
        this.#deps.backend.reportTurn(callId, tools ? { ...effect.turn, tools } : effect.turn);
        return;
      }
      case 'run_tool':
        void this.#runTool(effect);
        return;
      case 'report_failure':
        this.#deps.backend.reportFailure(callId, { provider: effect.provider, error: effect.error });
        return;
      case 'action':
        void this.#act(effect);
        return;
      case 'stop':
        this.#log.info('conversation over');
        return;
    }
  }

  async #playClip(turn: number, clip: ClipName): Promise<void> {
    const text = this.#clips[clip];
    const tag = clip === 'filler' || clip === 'filler_more' ? NO_TURN : turn;
    const audio = this.#deps.clips.peek(this.#voice, text) ?? (await this.#deps.clips.get(this.#voice, text).catch(() => null));
    if (this.#closed) return;
    if (tag !== NO_TURN) this.#output.addSegment(tag, text);
    if (audio) for (const frame of audio.frames) this.#output.enqueue(tag, frame);
    else this.#log.warn({ clip }, 'clip unavailable; nothing played');
    // A clip turn of its own is complete once its audio is queued; a clip inside an answer waits for finish_speech.
    if (tag !== NO_TURN && !this.#answerTurns.has(turn)) this.#output.end(turn, this.#deps.now());
  }

  async #runLlm(turn: number, messages: Parameters<LlmProvider['stream']>[0]['messages']): Promise<void> {
    // One controller per LLM round, linked to the call's for the round only (a
    // listener per turn left on the call's signal would pile up over a long call).
    const round = linkAbort(this.#call.signal);
    const controller = round.controller;
    this.#turnControllers.set(turn, controller);
    const signal = controller.signal;
    let splitter = this.#splitters.get(turn);
    if (!splitter) {
      splitter = new SentenceSplitter();
      this.#splitters.set(turn, splitter);
    }
    // The business's MCP tools are listed while the greeting plays; the first answer waits for the list at most its timeout.
    await this.#toolsReady;
    if (signal.aborted) {
      round.dispose();
      return;
    }
    const tools = [...conversationTools(this.#context.request.agent.transferTarget !== null), ...(this.#tools?.specs() ?? [])];
    let first = true;
    try {
      for await (const event of this.#deps.llm.stream({ messages, tools, signal })) {
        if (signal.aborted) return;
        if (event.type === 'text') {
          if (first) {
            first = false;
            this.#dispatch({ type: 'llm_first_token', turn, atMs: event.atMs });
          }
          this.#dispatch({ type: 'llm_text', turn, delta: event.delta });
          for (const sentence of splitter.push(event.delta)) this.#speech.speak(turn, sentence);
        } else if (event.type === 'tool_call') {
          this.#log.debug({ turn, tool: event.name, toolArgs: event.arguments }, 'language model called a tool');
          this.#dispatch({ type: 'llm_tool_call', turn, id: event.id, name: event.name, arguments: event.arguments });
        }
      }
      if (!signal.aborted) this.#dispatch({ type: 'llm_done', turn, atMs: this.#deps.now() });
    } catch (error) {
      if (!signal.aborted) this.#providerFailed('llm', error);
    } finally {
      round.dispose();
      if (this.#turnControllers.get(turn) === controller) this.#turnControllers.delete(turn);
    }
  }

  #interrupt(onsetMs: number, atMs: number): void {
    const turn = this.#machine.currentTurn;
    const playedText = turn === null ? '' : this.#output.heard(turn);
    this.#dispatch({ type: 'barge_in', atMs, onsetMs, playedText });
  }

  #cancelTurn(turn: number): void {
    this.#turnControllers.get(turn)?.abort();
    this.#turnControllers.delete(turn);
    for (const run of this.#toolRuns.get(turn) ?? []) run.abort();
    this.#toolRuns.delete(turn);
    this.#splitters.delete(turn);
    this.#speech.cancel(turn);
    this.#output.cancel(turn);
    this.#output.forget(turn);
  }

  /** Runs a business tool for the turn; the machine gets its answer (or a failure it can explain). */
  async #runTool(effect: Extract<ConversationEffect, { type: 'run_tool' }>): Promise<void> {
    const tools = this.#tools;
    if (!tools) {
      this.#dispatch({ type: 'tool_result', turn: effect.turn, toolCallId: effect.toolCallId, content: `Unknown tool ${effect.name}.` });
      return;
    }
    const run = linkAbort(this.#call.signal);
    const runs = this.#toolRuns.get(effect.turn) ?? new Set<AbortController>();
    runs.add(run.controller);
    this.#toolRuns.set(effect.turn, runs);
    try {
      const execution = await tools.execute(effect.toolCallId, effect.name, effect.arguments, run.signal);
      const records = this.#toolRecords.get(effect.turn) ?? [];
      records.push(execution.record);
      this.#toolRecords.set(effect.turn, records);
      if (!run.signal.aborted) this.#dispatch({ type: 'tool_result', turn: effect.turn, toolCallId: effect.toolCallId, content: execution.message });
    } finally {
      run.dispose();
      runs.delete(run.controller);
    }
  }

  async #act(effect: Extract<ConversationEffect, { type: 'action' }>): Promise<void> {
    const callId = this.#context.request.callId;
    const result = await this.#deps.backend.action(callId, effect.action);
    if (effect.toolCallId !== null) {
      this.#dispatch({ type: 'action_result', turn: effect.turn, toolCallId: effect.toolCallId, ok: result.ok, message: result.message });
      return;
    }
    if (!result.ok && effect.action.type === 'transfer') {
      // Nobody is left to talk to the caller: end the call rather than leave dead air.
      this.#log.error({ message: result.message }, 'transfer failed; ending the call');
      await this.#deps.backend.action(callId, { type: 'hangup', reason: 'provider_failure' });
    }
  }
}
