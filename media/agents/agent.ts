// The seam between a call's audio plumbing (the session) and whatever speaks
// on the call: an echo for diagnostics and benchmarks, the AI agent, an
// announcement. Audio crosses it as 20 ms PCM16 frames at the session's sample
// rate (8 kHz for ulaw and slin, 16 kHz for slin16); the session converts to
// and from the wire format.
import type { Logger } from 'pino';
import type { SampleRate } from '../audio/frame.js';
import type { CreateSessionRequest } from '../contract/sessions.js';

export interface AgentContext {
  readonly request: CreateSessionRequest;
  readonly logger: Logger;
  /** Rate of every frame crossing this context: 160 samples per frame at 8 kHz, 320 at 16 kHz. */
  readonly sampleRate: SampleRate;
  /**
   * Queues 20 ms of agent audio (one frame at `sampleRate`) to be sent after what
   * is already queued. Returns false when the playout queue is full: a
   * producer that must not lose audio awaits `space()` first. The first frame
   * of a talk spurt leaves from a microtask, never from inside play().
   */
  play(frame: Int16Array): boolean;
  /** Same as play() for 20 ms of mu-law (160 bytes): sent as is on a ulaw session (no transcoding); 8 kHz sessions only. */
  playUlaw(payload: Uint8Array): boolean;
  /** Frames the playout queue can still take. */
  readonly freeFrames: number;
  /** The agent has nothing more to say for now (ends the talk spurt). */
  endOfSpeech(): void;
  /** Barge-in: drops all queued agent audio; the next tick sends none. */
  clear(): void;
  /**
   * Resolves true once the playout queue can take a frame (at once when it
   * can now), or false when `signal` aborts or the session closes first.
   */
  space(signal: AbortSignal): Promise<boolean>;
}

export interface CallAgent {
  /**
   * The caller's audio of one tick (decoded; concealed or silent when nothing
   * arrived). `ulaw` is the frame as received when the session's format is
   * ulaw and a packet arrived (saves re-encoding for speech-to-text).
   */
  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void;
  /**
   * The caller's audio as it arrives, before the jitter buffer's delay: 20 ms
   * of mu-law per call, in sequence order (a gap is filled with silence, a
   * packet later than one already passed on is left out), for consumers that
   * need it soonest and cope with arrival jitter (speech-to-text). `ulaw` is
   * valid during the call only.
   */
  onCallerPacket?(ulaw: Uint8Array): void;
  /**
   * A packet carrying agent audio left for Asterisk (`atMs` performance.now()).
   * `frame` is that audio decoded (valid during the call only). `cleared`: it
   * was queued before the agent's last clear() and left while that clear was
   * on its way to the session (the agent forgot it at clear(): it is not one
   * of the frames queued since).
   */
  onAgentFrameSent?(frame: Int16Array, atMs: number, cleared?: boolean): void;
  /**
   * `count` packets of agent audio left without their audio reaching the agent
   * (the session could not hand it over in time), the last at `atMs`: for the
   * account of what the caller heard. `cleared` as in onAgentFrameSent.
   */
  onAgentFramesUnseen?(count: number, atMs: number, cleared: boolean): void;
  /**
   * The caller was answered and the media runs (`atMs` performance.now()):
   * the agent may speak at once. Called once, before the first caller frame.
   */
  onAnswered?(atMs: number): void;
  /** The caller pressed a key (DTMF, reported by the backend); `digit` is 0-9, A-D, * or #. */
  onDtmf?(digit: string, durationMs: number): void;
  /** Releases what the agent holds (provider streams, timers). Idempotent. */
  close(): Promise<void>;
}

export type AgentFactory = (context: AgentContext) => CallAgent;

/** `context` with another session request: its methods still act on the session's own context. */
export function withRequest(context: AgentContext, request: CreateSessionRequest): AgentContext {
  return {
    request,
    logger: context.logger,
    sampleRate: context.sampleRate,
    play: (frame) => context.play(frame),
    playUlaw: (payload) => context.playUlaw(payload),
    get freeFrames() {
      return context.freeFrames;
    },
    endOfSpeech: () => context.endOfSpeech(),
    clear: () => context.clear(),
    space: (signal) => context.space(signal),
  };
}
