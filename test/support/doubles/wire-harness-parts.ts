// What the wire-level agent harnesses (cascade and Realtime) share: the Acme Dental call they
// answer, the conversation timings both start from, and the parts every agent is given
// (cached lines synthesized through the Deepgram fake, the contract backend's client, metrics).
import pino from 'pino';
import type { ConversationTimings } from '../../../media/agents/ai-agent.js';
import { BackendClient } from '../../../media/backend/backend-client.js';
import type { CreateSessionRequest, KeypadActions, MediaFormat } from '../../../media/contract/sessions.js';
import { ClipCache } from '../../../media/conversation/clip-cache.js';
import { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { DeepgramTtsProvider } from '../../../media/providers/deepgram-tts.js';
import type { FakeDeepgram } from '../../fakes/deepgram/index.js';
import { waitFor } from '../../kit/wait.js';
import { BACKEND_TOKEN, type TestBackend } from './test-backend.js';

export const GREETING = 'Thanks for calling Acme Dental. How can I help?';

/** Fast, but the rules a test drives still hold; no reprompt, filler or call limit gets in the way. */
export const HARNESS_TIMINGS: ConversationTimings = {
  bargeInMinMs: 200,
  bargeInSttEvidence: 'words',
  bargeInSttMinMs: 60,
  bargeInPauseMs: 0,
  bargeInResumeMs: 700,
  silenceRepromptMs: 60_000,
  maxReprompts: 2,
  maxCallMs: 600_000,
  // No filler unless a test asks: what a test hears is the turn it drives.
  fillerAfterMs: 30_000,
  sttEndpointingMs: 300,
  sttUtteranceEndMs: 1000,
};

export interface AcmeCallOptions {
  format?: MediaFormat;
  language?: string;
  transferTarget?: string | null;
  keypadActions?: KeypadActions;
}

/** The backend's session request for a call to Acme Dental (transfers to PJSIP/100 unless told). */
export function acmeCall(options: AcmeCallOptions = {}): CreateSessionRequest {
  return {
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
      language: options.language ?? 'en-US',
      timezone: 'America/New_York',
      transferTarget: options.transferTarget === undefined ? 'PJSIP/100' : options.transferTarget,
      keypadActions: options.keypadActions ?? {},
    },
  };
}

export interface AgentParts {
  readonly tts: DeepgramTtsProvider;
  readonly clips: ClipCache;
  readonly backend: BackendClient;
  readonly metrics: TurnMetrics;
}

export function agentParts(deepgram: FakeDeepgram, backend: TestBackend): AgentParts {
  const logger = pino({ level: 'silent' });
  const tts = new DeepgramTtsProvider({ apiKey: deepgram.apiKey, baseUrl: deepgram.url });
  return {
    tts,
    clips: new ClipCache({ tts, vendor: 'deepgram', logger, dir: null }),
    backend: new BackendClient({ url: backend.url, token: BACKEND_TOKEN, logger, retryDelayMs: 50, requestTimeoutMs: 15_000 }),
    metrics: new TurnMetrics(),
  };
}

export type StoredTurn = ReturnType<TestBackend['orderedTurns']>[number];

/** A wait for the first stored turn that matches. */
export function turnWaiter(backend: TestBackend, timeoutMs: number): (match: (turn: StoredTurn) => boolean, what: string) => Promise<StoredTurn> {
  return (match, what) => waitFor(() => backend.orderedTurns().find(match), { what, timeoutMs });
}
