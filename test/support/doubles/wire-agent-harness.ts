// One AI agent on a test line, with the real provider clients talking to the
// Deepgram and OpenAI protocol fakes and the real backend client talking to a
// contract backend: the coordinator and its turns as they run in the gateway,
// without RTP, the gateway's HTTP API or a database. Real time (the media
// clock ticks every 20 ms): for what crosses the wire (drops, reconnections,
// replays, STT evidence). Conversation rules that need a turn held at an exact
// point (a round half streamed, a sentence not yet synthesized) use
// ai-agent-harness.ts: in-memory providers on a test clock, tick by tick.
import pino from 'pino';
import { AiAgent, type ConversationTimings } from '../../../media/agents/ai-agent.js';
import { BackendClient } from '../../../media/backend/backend-client.js';
import type { CreateSessionRequest, KeypadActions } from '../../../media/contract/sessions.js';
import { ClipCache } from '../../../media/conversation/clip-cache.js';
import { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { DeepgramSttProvider } from '../../../media/providers/deepgram-stt.js';
import { DeepgramTtsProvider } from '../../../media/providers/deepgram-tts.js';
import { OpenAiLlmProvider } from '../../../media/providers/openai-llm.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { FakeOpenAI } from '../../fakes/openai/index.js';
import { waitFor, waitUntil } from '../../kit/wait.js';
import { BACKEND_TOKEN, TestBackend } from './test-backend.js';
import { TestLine } from './test-line.js';

export const GREETING = 'Thanks for calling Acme Dental. How can I help?';

export interface HarnessOptions {
  transferTarget?: string | null;
  keypadActions?: KeypadActions;
  timings?: Partial<ConversationTimings>;
}

export interface AgentHarness {
  readonly line: TestLine;
  readonly deepgram: FakeDeepgram;
  readonly openai: FakeOpenAI;
  readonly backend: TestBackend;
  readonly metrics: TurnMetrics;
  readonly agent: AiAgent;
  /** Waits for a stored turn matching `match`. */
  turn(match: (turn: ReturnType<TestBackend['orderedTurns']>[number]) => boolean, what: string): Promise<ReturnType<TestBackend['orderedTurns']>[number]>;
  /** Waits until the greeting was heard in full. */
  greeted(): Promise<void>;
  stop(): Promise<void>;
}

const TIMINGS: ConversationTimings = {
  bargeInMinMs: 200,
  bargeInSttEvidence: 'words',
  bargeInSttMinMs: 60,
  bargeInPauseMs: 80,
  bargeInOnArrival: true,
  bargeInResumeMs: 700,
  silenceRepromptMs: 60_000,
  maxReprompts: 2,
  maxCallMs: 600_000,
  // No filler unless a test asks: what a test hears is the turn it drives.
  fillerAfterMs: 30_000,
  sttEndpointingMs: 300,
  sttUtteranceEndMs: 1000,
};

export async function startAgent(options: HarnessOptions = {}): Promise<AgentHarness> {
  const deepgram = await FakeDeepgram.start({ listen: { resultLatencyMs: 0 }, speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
  const openai = await FakeOpenAI.start();
  const backend = await TestBackend.start();
  const logger = pino({ level: 'silent' });
  const request: CreateSessionRequest = {
    callId: '00000000-0000-4000-8000-00000000c0de',
    businessId: '00000000-0000-4000-8000-00000000b12e',
    channelId: '1795234533.0',
    format: 'ulaw',
    transport: 'rtp',
    announcement: null,
    record: true,
    caller: { from: '+15551230000', to: '+19863334949' },
    agent: {
      businessName: 'Acme Dental',
      greeting: GREETING,
      systemPrompt: 'You answer the phone for Acme Dental.',
      voice: 'aura-2-thalia-en',
      language: 'en',
      timezone: 'America/New_York',
      transferTarget: options.transferTarget === undefined ? 'PJSIP/100' : options.transferTarget,
      keypadActions: options.keypadActions ?? {},
    },
  };
  const line = new TestLine(request);
  const tts = new DeepgramTtsProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url });
  const metrics = new TurnMetrics();
  const agent = new AiAgent(line, {
    stt: new DeepgramSttProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url }),
    llm: new OpenAiLlmProvider({ apiKey: openai.apiKey, baseURL: openai.baseURL }),
    tts,
    clips: new ClipCache({ tts, vendor: 'deepgram', logger, dir: null }),
    backend: new BackendClient({ url: backend.url, token: BACKEND_TOKEN, logger, retryDelayMs: 50, requestTimeoutMs: 15_000 }),
    timings: { ...TIMINGS, ...options.timings },
    metrics,
    now: () => performance.now(),
  });
  line.connect(agent);
  const turn: AgentHarness['turn'] = (match, what) => waitFor(() => backend.orderedTurns().find(match), { what, timeoutMs: 15_000 });
  return {
    line,
    deepgram,
    openai,
    backend,
    metrics,
    agent,
    turn,
    greeted: async () => {
      await turn((t) => t.seq === 0 && t.endedAt !== null, 'the greeting');
      await waitUntil(() => deepgram.connections().length > 0, { what: 'the STT stream' });
    },
    stop: async () => {
      await line.close();
      await backend.close();
      await deepgram.close();
      await openai.close();
    },
  };
}
