// Builds what every AI call shares: the provider clients, the clip cache, the
// backend client and the turn metrics; and the factory that gives each
// session its own AiAgent.
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
import type { CreateSessionRequest } from '../contract/sessions.js';
import { RealtimeAgent } from '../engines/openai-realtime/realtime-agent.js';
import type { AgentFactory } from './agent.js';
import { AiAgent } from './ai-agent.js';
import { AnnouncerAgent } from './announcer-agent.js';
import { narrowbandAgent } from './narrowband-adapter.js';

export interface AiRuntime {
  readonly factory: AgentFactory;
  readonly metrics: TurnMetrics;
  readonly backend: BackendClient;
  /** One readiness probe per provider: resolves when it accepts our key. */
  readonly probes: readonly { name: string; probe: (signal: AbortSignal) => Promise<void> }[];
  /** Synthesizes businesses' fixed phrases ahead of their calls (PUT /clips). */
  readonly clipWarmer: ClipWarmer;
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
  const traces = new CallTraces(tracer);
  const backend = new BackendClient({ url: config.backendUrl, token: gatewayToken, logger: logger.child({ component: 'backend-client' }), traces });
  const metrics = new TurnMetrics();
  const now = (): number => performance.now();
  const businessTools = createCallToolsFactory(outbound, now);
  const lifetime = new AbortController();
  const clipWarmer = new ClipWarmer({
    clips,
    logger: logger.child({ component: 'clip-warmer' }),
    concurrency: CLIP_WARM_CONCURRENCY,
    maxQueued: CLIP_WARM_MAX_QUEUED,
    signal: lifetime.signal,
  });
  return {
    clipWarmer,
    close: () => lifetime.abort(),
    // The agent by the business's engine (absent: the cascade, as older backends send); an
    // announcement session gets the announcer. All speak 8 kHz (the providers are opened at
    // 8 kHz): a 16 kHz session adapts them.
    factory: (context) => {
      traces.begin(context.request.callId, context.request.traceparent);
      return narrowbandAgent(context, (narrow) => {
        const shared = { clips, backend, timings: config.timings, metrics, now, businessTools };
        if (narrow.request.announcement) return new AnnouncerAgent(narrow, { tts, backend });
        const engine = narrow.request.agent.engine;
        if (engine?.name === 'openai-realtime') {
          return new RealtimeAgent(narrow, { ...shared, apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl }, engine);
        }
        return new AiAgent(narrow, { ...shared, stt, llm, tts });
      });
    },
    engineProblem: (request) => {
      const engine = request.agent.engine?.name ?? 'cascade';
      if (engine === 'openai-realtime' && config.openai.apiKey === '') return 'the openai-realtime engine needs OPENAI_API_KEY on the media gateway';
      if (engine === 'self-hosted') return 'the self-hosted engine is not configured on this media gateway';
      return null;
    },
    metrics,
    backend,
    probes: [
      { name: 'stt', probe: (signal) => stt.probe(signal) },
      { name: 'llm', probe: (signal) => llm.probe(signal) },
      { name: 'tts', probe: (signal) => tts.probe(signal) },
    ],
  };
}
