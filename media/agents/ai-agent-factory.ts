// Builds what every AI call shares: the provider clients of each engine the
// gateway offers, their clip caches, the backend client and the turn metrics;
// and the factory that gives each session the agent of its business's engine
// (engine-choice.ts) with its voice detector (energy, or Silero behind the
// energy gate).
import { trace, type Tracer } from '@opentelemetry/api';
import { CallTraces } from '../backend/call-traces.js';
import type { Logger } from 'pino';
import type { AiConfig } from '../config-ai.js';
import type { OutboundPolicy } from '../contract/outbound-guard.js';
import { createCallToolsFactory } from '../tools/tool-runtime.js';
import { BackendClient } from '../backend/backend-client.js';
import { ClipCache } from '../conversation/clip-cache.js';
import { ClipWarmer } from '../conversation/clip-warmer.js';
import { TurnMetrics } from '../conversation/turn-metrics.js';
import { DeepgramSttProvider } from '../providers/deepgram-stt.js';
import { DeepgramTtsProvider } from '../providers/deepgram-tts.js';
import { OpenAiLlmProvider } from '../providers/openai-llm.js';
import { OpenAiTtsProvider } from '../providers/openai-tts.js';
import type { LlmProvider, SttProvider, TtsProvider } from '../providers/types.js';
import { withRequest, type AgentFactory, type CallAgent } from './agent.js';
import { AiAgent, type AiAgentDeps } from './ai-agent.js';
import { callEngine, defaultSelection, engineUnavailable } from './engine-choice.js';
import { SelfHostedEngine } from './self-hosted-engine.js';
import { energyDetectors, sileroDetectors } from '../vad/call-voice-detectors.js';
import { sharedSileroModel } from '../vad/silero-model.js';
import type { CallVoiceDetectors } from '../vad/voice-detector.js';
import type { EngineName, VadMode } from '../contract/engines.js';
import type { AgentSettings, CreateSessionRequest } from '../contract/sessions.js';
import { RealtimeAgent } from '../engines/openai-realtime/realtime-agent.js';
import { AnnouncerAgent } from './announcer-agent.js';
import { narrowbandAgent } from './narrowband-adapter.js';

export interface AiRuntime {
  readonly factory: AgentFactory;
  readonly metrics: TurnMetrics;
  readonly backend: BackendClient;
  /** One readiness probe per provider: resolves when it accepts our key. */
  readonly probes: readonly { name: string; probe: (signal: AbortSignal) => Promise<void> }[];
  /** Synthesizes businesses' fixed phrases ahead of their calls (PUT /clips). */
  readonly clipWarmer: Pick<ClipWarmer, 'warm'>;
  /** Why the session's conversation engine cannot run on this gateway (not configured), or null. */
  engineProblem(request: CreateSessionRequest): string | null;
  /** Stops the background work (the clip warm-up). Idempotent. */
  close(): void;
}

/** Warm-up syntheses at once: enough to warm hundreds of businesses in seconds, few enough for a vendor's rate limit. */
const CLIP_WARM_CONCURRENCY = 2;
/** Phrases the warm-up holds at most (about 7 per business). */
const CLIP_WARM_MAX_QUEUED = 5_000;

export function createAiRuntime(config: AiConfig, gatewayToken: string, logger: Logger, outbound: OutboundPolicy, tracer: Tracer = trace.getTracer('noop')): AiRuntime {
  const cascade = config.cascadeConfigured ? cascadeProviders(config, logger) : null;
  const selfHosted = config.selfHosted ? new SelfHostedEngine(config.selfHosted, config.clipCacheDir, logger.child({ component: 'clip-cache', engine: 'self-hosted' })) : null;
  const traces = new CallTraces(tracer);
  const backend = new BackendClient({ url: config.backendUrl, token: gatewayToken, logger: logger.child({ component: 'backend-client' }), traces });
  const metrics = new TurnMetrics();
  const now = (): number => performance.now();
  const businessTools = createCallToolsFactory(outbound, now);
  const lifetime = new AbortController();
  const warmer = (clips: ClipCache): ClipWarmer =>
    new ClipWarmer({ clips, logger: logger.child({ component: 'clip-warmer' }), concurrency: CLIP_WARM_CONCURRENCY, maxQueued: CLIP_WARM_MAX_QUEUED, signal: lifetime.signal });
  const cascadeWarmer = cascade ? warmer(cascade.clips) : null;
  const selfHostedWarmer = selfHosted ? warmer(selfHosted.clips) : null;
  const defaults = { engine: config.defaultEngine, vadMode: config.defaultVadMode };
  // The Realtime engine needs OpenAI's key and the cascade's TTS for its cached phrases.
  const offered = (name: EngineName): boolean => (name === 'self-hosted' ? selfHosted !== null : cascade !== null);
  let sileroWarned = false;
  const detectorsFor = (mode: VadMode, log: Logger): CallVoiceDetectors =>
    mode === 'energy'
      ? energyDetectors()
      : sileroDetectors(sharedSileroModel(), (error) => {
          // Once per process: a broken install does not heal, and every call would say it.
          if (sileroWarned) return;
          sileroWarned = true;
          log.error({ err: error }, 'Silero VAD unavailable; calls asking for it use the energy VAD');
        });
  // The first Silero call should not wait for the model (a few hundred ms to load).
  if (config.defaultVadMode === 'silero') void sharedSileroModel().catch(() => undefined);
  const clipWarmer: Pick<ClipWarmer, 'warm'> = {
    // Each business's phrases go to its engine's cache, in the voice that engine speaks them.
    warm: (agents: readonly AgentSettings[]) => {
      let queued = 0;
      for (const agent of agents) {
        const engine = agent.engine ?? defaultSelection(config.defaultEngine);
        if (engine.name === 'self-hosted' && selfHosted && selfHostedWarmer) queued += selfHostedWarmer.warm([{ ...agent, voice: selfHosted.voiceOf(engine) }]);
        // The Realtime engine plays the cascade's cached phrases (greeting, fillers, apology).
        else if (engine.name !== 'self-hosted' && cascadeWarmer) queued += cascadeWarmer.warm([agent]);
      }
      return queued;
    },
  };
  return {
    clipWarmer,
    close: () => lifetime.abort(),
    // Every engine speaks 8 kHz (its providers are opened at 8 kHz): a 16 kHz session (slin16
    // over the websocket transport) adapts it. An announcement session gets the announcer.
    factory: (session) =>
      narrowbandAgent(session, (context) => {
        const { engine, vadMode } = callEngine(context.request, defaults);
        const log = context.logger;
        if (!offered(engine.name)) throw engineUnavailable(engine.name);
        traces.begin(context.request.callId, context.request.traceparent);
        if (context.request.announcement) {
          const tts = engine.name === 'self-hosted' ? selfHosted?.tts : cascade?.tts;
          if (!tts) throw engineUnavailable(engine.name);
          return new AnnouncerAgent(context, { tts, backend });
        }
        log.info({ engine: engine.name, vadMode }, 'AI agent engine');
        const shared = { backend, metrics, now, businessTools };
        let agent: CallAgent;
        switch (engine.name) {
          case 'cascade': {
            if (!cascade) throw engineUnavailable('cascade');
            const voice = detectorsFor(vadMode, log);
            agent = new AiAgent(context, { ...shared, ...cascade, timings: config.timings, voice });
            break;
          }
          case 'self-hosted': {
            if (!selfHosted) throw engineUnavailable('self-hosted');
            const call = selfHosted.forCall(context.request.agent, engine, () => detectorsFor(vadMode, log));
            const deps: AiAgentDeps = {
              ...shared,
              stt: call.stt,
              llm: call.llm,
              tts: selfHosted.tts,
              clips: selfHosted.clips,
              // The STT's speech starts come from our own VAD: no independent evidence for barge-in.
              timings: { ...config.timings, bargeInSttEvidence: 'off' },
              voice: detectorsFor(vadMode, log),
            };
            agent = new AiAgent(withRequest(context, { ...context.request, agent: call.agent }), deps);
            break;
          }
          case 'openai-realtime': {
            if (!cascade) throw engineUnavailable('openai-realtime');
            const { clips } = cascade;
            agent = new RealtimeAgent(context, { ...shared, clips, timings: config.timings, apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl }, engine);
            break;
          }
        }
        return agent;
      }),
    engineProblem: (request) => {
      const { engine } = callEngine(request, defaults);
      return offered(engine.name) ? null : engineUnavailable(engine.name).message;
    },
    metrics,
    backend,
    probes: [
      ...(cascade
        ? [
            { name: 'stt', probe: (signal: AbortSignal) => cascade.stt.probe(signal) },
            { name: 'llm', probe: (signal: AbortSignal) => cascade.llm.probe(signal) },
            { name: 'tts', probe: (signal: AbortSignal) => cascade.tts.probe(signal) },
          ]
        : []),
      ...(selfHosted
        ? [
            { name: 'self-hosted-stt', probe: (signal: AbortSignal) => selfHosted.stt.probe(signal) },
            { name: 'self-hosted-llm', probe: (signal: AbortSignal) => selfHosted.defaultLlm.probe(signal) },
            { name: 'self-hosted-tts', probe: (signal: AbortSignal) => selfHosted.tts.probe(signal) },
          ]
        : []),
    ],
  };
}

interface CascadeProviders {
  readonly stt: SttProvider;
  readonly llm: LlmProvider;
  readonly tts: TtsProvider;
  readonly clips: ClipCache;
}

function cascadeProviders(config: AiConfig, logger: Logger): CascadeProviders {
  const stt: SttProvider = new DeepgramSttProvider({
    apiKey: config.deepgram.apiKey,
    baseUrl: config.deepgram.baseUrl,
    model: config.deepgram.sttModel,
  });
  const llm: LlmProvider = new OpenAiLlmProvider({
    apiKey: config.openai.apiKey,
    baseURL: config.openai.baseUrl,
    model: config.openai.model,
  });
  const tts: TtsProvider =
    config.ttsProvider === 'deepgram'
      ? new DeepgramTtsProvider({ apiKey: config.deepgram.apiKey, baseUrl: config.deepgram.baseUrl })
      : new OpenAiTtsProvider({ apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl, model: config.openai.ttsModel });
  const clips = new ClipCache({
    tts,
    vendor: config.ttsProvider,
    logger: logger.child({ component: 'clip-cache' }),
    dir: config.clipCacheDir,
  });
  return { stt, llm, tts, clips };
}
