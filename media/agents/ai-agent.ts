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
import { AgentCoordinator, type EngineEffect } from './agent-coordinator.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { encodeUlaw } from '../codec/g711.js';
import { AgentOutput } from '../conversation/agent-output.js';
import { BargeInControl, bargeInSettings, callBackchannels } from './ai-agent-barge-in.js';
import type { ClipCache } from '../conversation/clip-cache.js';
import type { ClipName, ConversationEvent } from '../conversation/conversation-types.js';
import { SpeechChannel } from '../conversation/speech-channel.js';
import { systemPrompt } from '../conversation/system-prompt.js';
import { Turn } from '../conversation/turn.js';
import type { TurnMetrics } from '../conversation/turn-metrics.js';
import { TURN_ONSET_MIN_SPEECH_MS, VoiceActivityDetector } from '../conversation/vad.js';
import { openResilientStt } from '../providers/resilient-stt.js';
import type { LlmProvider, SttEvent, SttProvider, SttStream, TtsProvider } from '../providers/types.js';
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
  /** Longest backchannel ("mm-hm", "okay, right") in words, unless the business sets its own; absent: 3; 0: none. */
  bargeInBackchannelMaxWords?: number;
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
/** Arrivals this many frames behind the ticks are a stall: the ticks' audio fills in. */
const ARRIVAL_STALL_FRAMES = 3;

export class AiAgent implements CallAgent {
  readonly #context: AgentContext;
  readonly #deps: AiAgentDeps;
  readonly #log: Logger;
  /** The machine, the business's tools, the turns, the start and the effects every engine shares. */
  readonly #core: AgentCoordinator<Turn>;
  readonly #voice: string;
  readonly #vad: VoiceActivityDetector;
  readonly #bargeIn: BargeInControl;
  readonly #output: AgentOutput;
  readonly #speech: SpeechChannel;
  readonly #call = new AbortController();
  readonly #ulaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  #stt: SttStream | null = null;
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
    this.#core = new AgentCoordinator({
      context,
      deps,
      logger: this.#log,
      signal: this.#call.signal,
      systemPrompt: systemPrompt(agent, context.request.caller.from, new Date()),
      closed: () => this.#closed,
      createTurn: (seq) => this.#newTurn(seq),
      apply: (effect) => this.#apply(effect),
    });
    const detector = deps.voice?.create;
    this.#vad = new VoiceActivityDetector({ minSpeechMs: TURN_ONSET_MIN_SPEECH_MS, ...(detector ? { detector } : {}) });
    this.#output = new AgentOutput(context);
    this.#bargeIn = new BargeInControl({
      settings: bargeInSettings(deps.timings, callBackchannels(agent, deps.timings)),
      currentTurn: () => {
        const seq = this.#core.machine.currentTurn;
        return seq === null ? null : (this.#core.turns.get(seq) ?? null);
      },
      audible: () => this.#output.audible,
      heard: () => this.#heard(),
      bargeIn: (event) => this.#dispatch(event),
      count: (outcome) => deps.metrics.countBargeIn(outcome),
      now: deps.now,
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
    deps.clips.warm(this.#voice, Object.values(this.#core.clips));
    void this.#openProviders();
  }

  onAnswered(atMs: number): void {
    this.#core.begin(atMs);
  }

  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    if (this.#closed) return;
    const atMs = this.#deps.now();
    this.#core.begin(atMs);
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

  onCallerPacket(ulaw: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#sttOnArrival) this.#sttTicks = this.#sttArrivals;
    this.#sttOnArrival = true;
    this.#sttArrivals += 1;
    this.#stt?.send(ulaw);
    if (this.#core.started && this.#deps.timings.bargeInOnArrival !== false) this.#bargeIn.onArrival(ulaw, this.#deps.now());
  }

  onAgentFrameSent(frame: Int16Array, atMs: number, cleared = false): void {
    // The echo reference is what left, cleared or not; the account only what was queued since the last clear.
    this.#bargeIn.onAgentFrameSent(frame);
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
    this.#deps.voice?.close();
    await Promise.allSettled([this.#stt?.close(), this.#speech.close(), this.#core.business?.close()]);
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
        // A backchannel said over the agent ("mm-hm") is no turn of the caller's.
        if (this.#bargeIn.onStt(event)) return;
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
    this.#core.providerFailed(provider, error);
  }

  // ---- machine ----------------------------------------------------------------

  #dispatch(event: ConversationEvent): void {
    this.#core.dispatch(event);
  }

  #apply(effect: EngineEffect): void {
    const callId = this.#context.request.callId;
    switch (effect.type) {
      case 'play_clip':
        this.#playClip(effect.turn, effect.clip);
        return;
      case 'start_llm': {
        const turn = this.#core.turn(effect.turn);
        const business = this.#core.business;
        // The first answer waits for the business's tool list (bounded by the listing's timeout).
        if (business === null || business.ready) turn.startRound(effect.messages);
        else void business.listed.then(() => turn.startRound(effect.messages));
        return;
      }
      case 'finish_speech':
        this.#core.turns.get(effect.turn)?.finishSpeech();
        return;
      case 'cancel_turn':
        this.#core.release(effect.turn);
        this.#output.clear();
        return;
      case 'report_turn':
        if (effect.turn.role === 'agent' && effect.turn.latency) this.#deps.metrics.record(effect.turn.latency);
        this.#deps.backend.reportTurn(callId, this.#core.business?.withRecords(effect.turn) ?? effect.turn);
        return;
    }
  }

  #newTurn(seq: number): Turn {
    return new Turn({
      seq,
      callSignal: this.#call.signal,
      llm: this.#deps.llm,
      tools: this.#core.tools,
      speech: this.#speech,
      output: this.#output,
      now: this.#deps.now,
      logger: this.#log,
      emit: (event) => this.#dispatch(event),
      failed: (provider, error) => this.#providerFailed(provider, error),
      retried: () => this.#deps.metrics.countRecovery('llm'),
    });
  }

  /** What the caller heard of the turn in progress. */
  #heard(): string {
    return this.#core.heard();
  }

  #playClip(seq: number, clip: ClipName): void {
    const text = this.#core.clips[clip];
    const frames = this.#core.clipFrames(this.#voice, clip, text);
    if (clip === 'filler' || clip === 'filler_more') {
      // Belongs to no turn's words; stops when the answer it fills is cancelled.
      const signal = this.#core.turn(seq).signal;
      void frames.then((audio) => this.#output.play(audio, null, signal)).catch((error: unknown) => this.#log.warn({ err: error }, 'filler not played'));
      return;
    }
    // A clip of its own is a whole turn; a clip inside an answer (a goodbye without words) waits for finish_speech.
    const own = !this.#core.turns.has(seq);
    const turn = this.#core.turn(seq);
    turn.playClip(text, frames);
    if (own) turn.finishSpeech();
  }
}
