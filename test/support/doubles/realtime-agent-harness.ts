// One Realtime agent on a test line: the real `openai` SDK's realtime client
// talking to the Realtime fake (which validates every client event against
// the published schema), the cached lines synthesized by the real Deepgram TTS
// client against the Deepgram fake, and the real backend client talking to a
// contract backend. Real time (the media clock ticks every 20 ms), without
// RTP, the gateway's HTTP API or a database. The line's format (ulaw, slin)
// and the business's turn detection (server, local) are the test's choice.
import pino from 'pino';
import type { ConversationTimings } from '../../../media/agents/ai-agent.js';
import { BackendClient } from '../../../media/backend/backend-client.js';
import type { OpenAiRealtimeSettings } from '../../../media/contract/engines.js';
import type { CreateSessionRequest, MediaFormat } from '../../../media/contract/sessions.js';
import { ClipCache } from '../../../media/conversation/clip-cache.js';
import { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { RealtimeAgent } from '../../../media/engines/openai-realtime/realtime-agent.js';
import { DeepgramTtsProvider } from '../../../media/providers/deepgram-tts.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { FakeOpenAiRealtime, type RealtimeKnobs } from '../../fakes/openai-realtime/index.js';
import { waitFor } from '../../kit/wait.js';
import { BACKEND_TOKEN, TestBackend } from './test-backend.js';
import { TestLine } from './test-line.js';

export const GREETING = 'Thanks for calling Acme Dental. How can I help?';

export interface RealtimeHarnessOptions {
  format?: MediaFormat;
  turnDetection?: OpenAiRealtimeSettings['turnDetection'];
  knobs?: Partial<RealtimeKnobs>;
  transferTarget?: string | null;
}

export interface RealtimeHarness {
  readonly line: TestLine;
  readonly realtime: FakeOpenAiRealtime;
  readonly backend: TestBackend;
  readonly metrics: TurnMetrics;
  turn(match: (turn: ReturnType<TestBackend['orderedTurns']>[number]) => boolean, what: string): Promise<ReturnType<TestBackend['orderedTurns']>[number]>;
  /** Waits until the greeting was heard in full and the session is up. */
  greeted(): Promise<void>;
  stop(): Promise<void>;
}

const TIMINGS: ConversationTimings = {
  bargeInMinMs: 200,
  bargeInSttEvidence: 'words',
  bargeInSttMinMs: 60,
  bargeInPauseMs: 0,
  bargeInResumeMs: 700,
  silenceRepromptMs: 60_000,
  maxReprompts: 2,
  maxCallMs: 600_000,
  fillerAfterMs: 30_000,
  sttEndpointingMs: 300,
  sttUtteranceEndMs: 1000,
};

export async function startRealtimeAgent(options: RealtimeHarnessOptions = {}): Promise<RealtimeHarness> {
  const deepgram = await FakeDeepgram.start({ speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
  const realtime = await FakeOpenAiRealtime.start({ knobs: { msPerCharacter: 25, ...options.knobs } });
  const backend = await TestBackend.start();
  const logger = pino({ level: 'silent' });
  const request: CreateSessionRequest = {
    callId: '00000000-0000-4000-8000-00000000c0de',
    businessId: '00000000-0000-4000-8000-00000000b12e',
    channelId: '1795234533.0',
    format: options.format ?? 'ulaw',
    transport: 'rtp',
    announcement: null,
    record: true,
    caller: { from: '+15551230000', to: '+19863334949' },
    agent: {
      businessName: 'Acme Dental',
      greeting: GREETING,
      systemPrompt: 'You answer the phone for Acme Dental.',
      voice: 'aura-2-thalia-en',
      language: 'en-US',
      timezone: 'America/New_York',
      transferTarget: options.transferTarget === undefined ? 'PJSIP/100' : options.transferTarget,
      keypadActions: {},
    },
  };
  const line = new TestLine(request);
  const tts = new DeepgramTtsProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url });
  const metrics = new TurnMetrics();
  const settings: OpenAiRealtimeSettings = { model: 'gpt-realtime', voice: 'marin', turnDetection: options.turnDetection ?? 'server' };
  const agent = new RealtimeAgent(
    line,
    {
      clips: new ClipCache({ tts, vendor: 'deepgram', logger, dir: null }),
      backend: new BackendClient({ url: backend.url, token: BACKEND_TOKEN, logger, retryDelayMs: 50, requestTimeoutMs: 15_000 }),
      timings: TIMINGS,
      metrics,
      now: () => performance.now(),
      apiKey: realtime.apiKey,
      baseURL: realtime.baseURL,
    },
    settings,
  );
  line.connect(agent);
  const turn: RealtimeHarness['turn'] = (match, what) => waitFor(() => backend.orderedTurns().find(match), { what, timeoutMs: 20_000 });
  return {
    line,
    realtime,
    backend,
    metrics,
    turn,
    greeted: async () => {
      await turn((t) => t.seq === 0 && t.endedAt !== null, 'the greeting');
      await realtime.waitFor(() => realtime.connections.length > 0 && realtime.connections[0]!.session.type === 'realtime', { what: 'the session' });
    },
    stop: async () => {
      await line.close();
      await backend.close();
      await deepgram.close();
      await realtime.close();
    },
  };
}
