// One AI agent on a test line, with the real provider clients talking to the
// Deepgram and OpenAI protocol fakes and the real backend client talking to a
// contract backend: the coordinator and its turns as they run in the gateway,
// without RTP, the gateway's HTTP API or a database. Real time (the media
// clock ticks every 20 ms): for what crosses the wire (drops, reconnections,
// replays, STT evidence). Conversation rules that need a turn held at an exact
// point (a round half streamed, a sentence not yet synthesized) use
// ai-agent-harness.ts: in-memory providers on a test clock, tick by tick.
import { AiAgent, type ConversationTimings } from '../../../media/agents/ai-agent.js';
import type { KeypadActions } from '../../../media/contract/sessions.js';
import type { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { DeepgramSttProvider } from '../../../media/providers/deepgram-stt.js';
import { OpenAiLlmProvider } from '../../../media/providers/openai-llm.js';
import { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { FakeOpenAI } from '../../fakes/openai/index.js';
import { waitUntil } from '../../kit/wait.js';
import { TestBackend } from './test-backend.js';
import { TestLine } from './test-line.js';
import { acmeCall, agentParts, HARNESS_TIMINGS, turnWaiter, type StoredTurn } from './wire-harness-parts.js';

export { GREETING } from './wire-harness-parts.js';

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
  turn(match: (turn: StoredTurn) => boolean, what: string): Promise<StoredTurn>;
  /** Waits until the greeting was heard in full. */
  greeted(): Promise<void>;
  stop(): Promise<void>;
}

/** Barge-in as the gateway runs it by default: detected on arrival, playout paused first. */
const TIMINGS: ConversationTimings = { ...HARNESS_TIMINGS, bargeInPauseMs: 80, bargeInOnArrival: true };

export async function startAgent(options: HarnessOptions = {}): Promise<AgentHarness> {
  const deepgram = await FakeDeepgram.start({ listen: { resultLatencyMs: 0 }, speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } });
  const openai = await FakeOpenAI.start();
  const backend = await TestBackend.start();
  const line = new TestLine(acmeCall({ language: 'en', transferTarget: options.transferTarget, keypadActions: options.keypadActions }));
  const parts = agentParts(deepgram, backend);
  const agent = new AiAgent(line, {
    ...parts,
    stt: new DeepgramSttProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url }),
    llm: new OpenAiLlmProvider({ apiKey: openai.apiKey, baseURL: openai.baseURL }),
    timings: { ...TIMINGS, ...options.timings },
    now: () => performance.now(),
  });
  line.connect(agent);
  const turn = turnWaiter(backend, 15_000);
  return {
    line,
    deepgram,
    openai,
    backend,
    metrics: parts.metrics,
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
