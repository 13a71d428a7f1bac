// An in-memory media session as the agent sees it (AgentContext): a bounded
// playout queue that a test drains one frame per tick(), with the session's
// rules: play() refuses a frame when the queue is full, and space(signal)
// resolves true at once while there is room, else once a frame left or clear()
// ran (false when the signal aborts first); the first frame of a talk
// spurt leaves at once from inside play() when `sendsSpurtStartAtOnce` (the
// gateway does this while a remote is set), and that tick then sends nothing.
import { pino, type Logger } from 'pino';
import type { AgentContext } from '../../../media/agents/agent.js';
import { decodeUlaw } from '../../../media/codec/g711.js';
import { RoomWaiters } from '../../../media/sessions/room-waiters.js';
import type { CreateSessionRequest } from '../../../media/contract/sessions.js';

export const FRAME_SAMPLES = 160;

export interface PlayedFrame {
  readonly kind: 'ulaw' | 'pcm';
  /** The frame as PCM (mu-law decoded), as the session reports it sent. */
  readonly samples: Int16Array;
  /** The mu-law bytes as queued (ulaw frames only). */
  readonly payload: Uint8Array | null;
}

export interface InMemoryPlayoutOptions {
  request: CreateSessionRequest;
  capacityFrames?: number;
  logger?: Logger;
  sendsSpurtStartAtOnce?: boolean;
  /** The time reported with each sent frame. */
  now?: () => number;
}

export class InMemoryPlayout implements AgentContext {
  readonly request: CreateSessionRequest;
  readonly logger: Logger;
  readonly sampleRate = 8000;
  readonly capacityFrames: number;
  /** Every frame that left, in order. */
  readonly sent: PlayedFrame[] = [];
  /** Frames dropped by clear() (barge-in). */
  framesCleared = 0;
  clears = 0;
  endOfSpeechCalls = 0;
  /** Times play()/playUlaw() refused a frame because the queue was full. */
  refusals = 0;
  /** Told about every frame that leaves (the session calls the agent's onAgentFrameSent). */
  onFrameSent: ((frame: PlayedFrame, atMs: number) => void) | null = null;

  readonly #queue: PlayedFrame[] = [];
  readonly #sendsSpurtStartAtOnce: boolean;
  readonly #now: () => number;
  readonly #spaceWaiters = new RoomWaiters();
  #spurtOpen = false;
  #inTick = false;
  #slotUsed = false;

  constructor(options: InMemoryPlayoutOptions) {
    this.request = options.request;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.capacityFrames = options.capacityFrames ?? 50;
    this.#sendsSpurtStartAtOnce = options.sendsSpurtStartAtOnce ?? false;
    this.#now = options.now ?? (() => performance.now());
  }

  get freeFrames(): number {
    return this.capacityFrames - this.#queue.length;
  }

  get queuedFrames(): number {
    return this.#queue.length;
  }

  /** Producers waiting in space() for room. */
  get spaceWaiters(): number {
    return this.#spaceWaiters.size;
  }

  play(frame: Int16Array): boolean {
    return this.#enqueue({ kind: 'pcm', samples: Int16Array.from(frame), payload: null });
  }

  playUlaw(payload: Uint8Array): boolean {
    const samples = new Int16Array(FRAME_SAMPLES);
    decodeUlaw(payload, samples);
    return this.#enqueue({ kind: 'ulaw', samples, payload: Uint8Array.from(payload) });
  }

  endOfSpeech(): void {
    this.endOfSpeechCalls += 1;
    if (this.#queue.length === 0) this.#spurtOpen = false;
  }

  clear(): void {
    this.clears += 1;
    this.framesCleared += this.#queue.length;
    this.#queue.length = 0;
    this.#spurtOpen = false;
    this.#notifySpace();
  }

  space(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.freeFrames > 0) return Promise.resolve(true);
    return this.#spaceWaiters.wait(signal);
  }


  /** One 20 ms slot: sends the next queued frame (or nothing); returns what was sent. */
  tick(): PlayedFrame | null {
    this.#inTick = true;
    try {
      if (this.#slotUsed) {
        this.#slotUsed = false;
        return null;
      }
      return this.#sendNext();
    } finally {
      this.#inTick = false;
    }
  }

  #enqueue(frame: PlayedFrame): boolean {
    if (this.#queue.length >= this.capacityFrames) {
      this.refusals += 1;
      return false;
    }
    const startsSpurt = !this.#spurtOpen && this.#queue.length === 0;
    this.#queue.push(frame);
    this.#spurtOpen = true;
    if (startsSpurt && this.#sendsSpurtStartAtOnce && !this.#inTick && !this.#slotUsed) {
      this.#slotUsed = true;
      this.#sendNext();
    }
    return true;
  }

  #sendNext(): PlayedFrame | null {
    const frame = this.#queue.shift();
    if (!frame) return null;
    this.sent.push(frame);
    this.onFrameSent?.(frame, this.#now());
    this.#notifySpace();
    return frame;
  }

  #notifySpace(): void {
    this.#spaceWaiters.notify(true);
  }
}
