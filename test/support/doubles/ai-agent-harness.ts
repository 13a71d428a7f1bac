// One AiAgent wired to in-memory providers, backend and playout, on a test
// clock. tick() is one 20 ms media tick as the gateway's session runs it (the
// caller's frame to the agent, then one packet of agent audio out), and then
// yields to the event loop so that provider streams move on. Tests wait for a
// condition with ticksUntil(), bounded in ticks, never in wall time (the
// providers' own backoffs are real timers: wait for those with waitUntil).
// The same agent against the protocol fakes, in real time: wire-agent-harness.ts.
import { afterEach } from 'vitest';
import type { AgentSettings } from '../../../media/contract/sessions.js';
import { AiAgent, type ConversationTimings } from '../../../media/agents/ai-agent.js';
import { ClipCache } from '../../../media/conversation/clip-cache.js';
import { clipTexts } from '../../../media/conversation/clip-texts.js';
import type { ClipName } from '../../../media/conversation/conversation-types.js';
import { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { pino } from 'pino';
import { encodeUlaw } from '../../../media/codec/g711.js';
import { InMemoryBackend } from './backend.js';
import { FRAME_SAMPLES, InMemoryPlayout } from './playout.js';
import { InMemoryLlm, InMemoryStt, InMemoryTts, type InMemorySttStream, type InMemoryTtsSession } from './providers.js';
import { sessionRequest } from './session-request.js';

export const TEST_TIMINGS: ConversationTimings = Object.freeze({
  bargeInMinMs: 200,
  // Barge-in on the caller's voice alone: these tests drive the detector with
  // tone frames; STT evidence has its own tests (conversation/barge-in.test.ts).
  bargeInSttEvidence: 'off',
  bargeInSttMinMs: 60,
  bargeInPauseMs: 80,
  bargeInOnArrival: true,
  bargeInResumeMs: 700,
  silenceRepromptMs: 60_000,
  maxReprompts: 2,
  maxCallMs: 3_600_000,
  fillerAfterMs: 60_000,
  sttEndpointingMs: 300,
  sttUtteranceEndMs: 1_000,
});

export interface AiAgentHarnessOptions {
  agent?: Partial<AgentSettings>;
  timings?: Partial<ConversationTimings>;
  /** Words -> frames of the call's TTS (and of the clips). */
  framesPerWord?: number;
  sendsSpurtStartAtOnce?: boolean;
  /** Prepared before the agent exists (e.g. a provider that will fail to open). */
  prepare?: (harness: { stt: InMemoryStt; tts: InMemoryTts; clipTts: InMemoryTts }) => void;
}

const SILENCE = new Int16Array(FRAME_SAMPLES);

/** 20 ms of a loud 300 Hz tone: speech as far as the VAD and the barge-in detector can tell. */
export function callerVoice(tick: number): Int16Array {
  const frame = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i += 1) frame[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * (tick * FRAME_SAMPLES + i)) / 8000));
  return frame;
}

export class AiAgentHarness {
  nowMs = 10_000;
  ticks = 0;
  readonly stt = new InMemoryStt();
  readonly llm: InMemoryLlm;
  /** The call's TTS provider. */
  readonly tts: InMemoryTts;
  /** The clip cache's own TTS provider (in production the same one; apart here to tell them apart). */
  readonly clipTts: InMemoryTts;
  readonly backend = new InMemoryBackend();
  readonly metrics = new TurnMetrics();
  readonly playout: InMemoryPlayout;
  readonly clips: ClipCache;
  readonly clipText: Record<ClipName, string>;
  readonly agent: AiAgent;

  constructor(options: AiAgentHarnessOptions = {}) {
    const now = (): number => this.nowMs;
    const framesPerWord = options.framesPerWord ?? 2;
    this.llm = new InMemoryLlm(now);
    this.tts = new InMemoryTts({ framesPerWord, now });
    this.clipTts = new InMemoryTts({ framesPerWord, now });
    options.prepare?.(this);
    const request = sessionRequest(options.agent);
    this.clipText = clipTexts(request.agent);
    this.playout = new InMemoryPlayout({ request, now, sendsSpurtStartAtOnce: options.sendsSpurtStartAtOnce ?? false });
    this.clips = new ClipCache({ tts: this.clipTts, vendor: 'in-memory', logger: pino({ level: 'silent' }), dir: null });
    this.agent = new AiAgent(this.playout, {
      stt: this.stt,
      llm: this.llm,
      tts: this.tts,
      clips: this.clips,
      backend: this.backend,
      timings: { ...TEST_TIMINGS, ...options.timings },
      metrics: this.metrics,
      now,
    });
    this.playout.onFrameSent = (frame, atMs) => this.agent.onAgentFrameSent(frame.samples, atMs);
  }

  /** The call's STT stream, once the agent opened it. */
  get sttStream(): InMemorySttStream {
    const stream = this.stt.streams[0];
    if (!stream) throw new Error('the agent has not opened its speech-to-text stream');
    return stream;
  }

  /** The call's TTS session, once the agent opened it. */
  get ttsSession(): InMemoryTtsSession {
    const session = this.tts.sessions[0];
    if (!session) throw new Error('the agent has not opened its text-to-speech session');
    return session;
  }

  /** Frames the clip cache's TTS made for `text` (what playing that clip sends). */
  clipFrames(text: string): number {
    const session = this.clipTts.sessions.find((candidate) => candidate.spoken.includes(text));
    if (!session) throw new Error(`no clip was synthesized for "${text}"`);
    return session.framesFor(text);
  }

  /** One media tick: the caller's frame (silence by default) in, one packet of agent audio out. */
  async tick(caller: Int16Array = SILENCE, ulaw: Uint8Array | null = null): Promise<void> {
    this.nowMs += 20;
    this.agent.onCallerFrame(caller, this.ticks, ulaw);
    this.ticks += 1;
    this.playout.tick();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * 20 ms of the caller's audio as its packet arrives (the session's
   * onCallerPacket, before the jitter buffer's delay), at the current time.
   */
  arrive(caller: Int16Array): void {
    const ulaw = new Uint8Array(FRAME_SAMPLES);
    encodeUlaw(caller, ulaw);
    this.agent.onCallerPacket(ulaw);
  }

  /** Ticks (with `caller` frames, silence by default) until `condition` holds; fails after `maxTicks`. */
  async ticksUntil(
    condition: () => boolean,
    what: string,
    options: { maxTicks?: number; caller?: (tick: number) => Int16Array } = {},
  ): Promise<void> {
    const maxTicks = options.maxTicks ?? 1_000;
    for (let count = 0; !condition(); count += 1) {
      if (count >= maxTicks) throw new Error(`${what}: not reached within ${maxTicks} ticks`);
      await this.tick(options.caller?.(this.ticks) ?? SILENCE);
    }
  }

  /** Ticks until the agent's audio stopped playing (everything queued was sent). */
  async untilQuiet(what = 'agent audio to finish'): Promise<void> {
    await this.ticksUntil(() => this.playout.queuedFrames === 0 && this.playout.endOfSpeechCalls > 0, what);
  }

  /** Runs the greeting to its end: the call is then waiting for the caller. */
  async greet(): Promise<void> {
    await this.ticksUntil(() => this.backend.turnsOf('agent').length === 1, 'the greeting to be heard');
  }
}

/**
 * The file's harness maker: every harness it makes has its agent closed after
 * each test (call at the top level of a test file).
 */
export function harnessPerTest(): (...args: ConstructorParameters<typeof AiAgentHarness>) => AiAgentHarness {
  const harnesses: AiAgentHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.agent.close()));
  });
  return (...args) => {
    const created = new AiAgentHarness(...args);
    harnesses.push(created);
    return created;
  };
}

/** The caller finishes a sentence; resolves once the agent asked the LLM about it, with that round. */
export async function callerSays(h: AiAgentHarness, text: string): Promise<InMemoryLlm['rounds'][number]> {
  const rounds = h.llm.rounds.length;
  h.sttStream.final(text, h.nowMs);
  await h.ticksUntil(() => h.llm.rounds.length > rounds, `the LLM to be asked about "${text}"`);
  return h.llm.rounds.at(-1)!;
}
