// One Realtime agent on a test line: the real `openai` SDK's realtime client
// talking to the Realtime fake (which validates every client event against
// the published schema), the cached lines synthesized by the real Deepgram TTS
// client against the Deepgram fake, and the real backend client talking to a
// contract backend. Real time (the media clock ticks every 20 ms), without
// RTP, the gateway's HTTP API or a database. The line's format (ulaw, slin)
// and the business's turn detection (server, local) are the test's choice.
import type { OpenAiRealtimeSettings } from '../../../media/contract/engines.js';
import type { MediaFormat } from '../../../media/contract/sessions.js';
import type { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { RealtimeAgent } from '../../../media/engines/openai-realtime/realtime-agent.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { FakeOpenAiRealtime, type RealtimeKnobs } from '../../fakes/openai-realtime/index.js';
import { TestBackend } from './test-backend.js';
import { TestLine } from './test-line.js';
import { acmeCall, agentParts, HARNESS_TIMINGS, turnWaiter, type StoredTurn } from './wire-harness-parts.js';

export { GREETING } from './wire-harness-parts.js';

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
  turn(match: (turn: StoredTurn) => boolean, what: string): Promise<StoredTurn>;
  /** Waits until the greeting was heard in full and the session is up. */
  greeted(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRealtimeAgent(options: RealtimeHarnessOptions = {}): Promise<RealtimeHarness> {
  const deepgram = await FakeDeepgram.start({ speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
  const realtime = await FakeOpenAiRealtime.start({ knobs: { msPerCharacter: 25, ...options.knobs } });
  const backend = await TestBackend.start();
  const line = new TestLine(acmeCall({ format: options.format, transferTarget: options.transferTarget }));
  const parts = agentParts(deepgram, backend);
  const settings: OpenAiRealtimeSettings = { model: 'gpt-realtime', voice: 'marin', turnDetection: options.turnDetection ?? 'server' };
  const agent = new RealtimeAgent(
    line,
    {
      clips: parts.clips,
      backend: parts.backend,
      timings: HARNESS_TIMINGS,
      metrics: parts.metrics,
      now: () => performance.now(),
      apiKey: realtime.apiKey,
      baseURL: realtime.baseURL,
    },
    settings,
  );
  line.connect(agent);
  const turn = turnWaiter(backend, 20_000);
  return {
    line,
    realtime,
    backend,
    metrics: parts.metrics,
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
