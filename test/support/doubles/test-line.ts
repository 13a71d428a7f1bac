// A phone line for one agent, without RTP: the real playout queue and the real
// media clock (20 ms ticks, real time). Each tick hands the agent 20 ms of the
// caller's audio (what `say()` queued, else silence) and sends one packet of
// the agent's audio, which is what the caller hears (`heard`).
import pino from 'pino';
import type { AgentContext, CallAgent } from '../../../media/agents/agent.js';
import { ULAW_SILENCE, decodeUlaw, encodeUlaw } from '../../../media/codec/g711.js';
import type { CreateSessionRequest } from '../../../media/contract/sessions.js';
import { PlayoutQueue } from '../../../media/rtp/playout-queue.js';
import { MediaClock, type Tickable } from '../../../media/sessions/media-clock.js';

const FRAME = 160;

export interface HeardPacket {
  atMs: number;
  /** RMS of the agent's audio in it (0: digital silence). */
  rms: number;
}

export class TestLine implements AgentContext, Tickable {
  readonly request: CreateSessionRequest;
  readonly logger = pino({ level: 'silent' });
  readonly sampleRate = 8000;
  /** Every packet of agent audio sent, in order. */
  readonly heard: HeardPacket[] = [];
  readonly #playout: PlayoutQueue;
  readonly #clock: MediaClock;
  readonly #packet: Buffer;
  readonly #callerPcm = new Int16Array(FRAME);
  readonly #agentPcm = new Int16Array(FRAME);
  readonly #encoded = new Uint8Array(FRAME);
  #caller = Buffer.alloc(0);
  #agent: CallAgent | null = null;
  #waiters = new Set<(room: boolean) => void>();
  #closed = false;
  #ticks = 0;

  constructor(request: CreateSessionRequest) {
    this.request = request;
    this.#playout = new PlayoutQueue({
      ssrc: 1,
      initialSequence: 0,
      initialTimestamp: 0,
      payloadType: 0,
      payloadBytes: FRAME,
      samplesPerFrame: FRAME,
      capacityFrames: 50,
      silencePayload: new Uint8Array(FRAME).fill(ULAW_SILENCE),
      onSpace: () => this.#wake(true),
    });
    this.#packet = Buffer.alloc(this.#playout.packetBytes);
    this.#clock = new MediaClock({ frameMs: 20, phases: 1, maxLagMs: 200, now: () => performance.now(), logger: this.logger });
  }

  /** Ticks run so far. */
  get ticks(): number {
    return this.#ticks;
  }

  get freeFrames(): number {
    return this.#playout.freeFrames;
  }

  /** Starts the ticks with `agent` on the line. */
  connect(agent: CallAgent): void {
    this.#agent = agent;
    this.#clock.add(this);
  }

  /** The caller says `ulaw` (8 kHz mu-law) from the next tick on, after what they were saying. */
  say(ulaw: Buffer): void {
    this.#caller = Buffer.concat([this.#caller, ulaw]);
  }

  /** The caller is silent now (the rest of what they were saying is dropped). */
  hush(): void {
    this.#caller = Buffer.alloc(0);
  }

  /** Packets of agent audio louder than `rms` sent after `sinceMs`. */
  voicedSince(sinceMs: number, rms = 300): HeardPacket[] {
    return this.heard.filter((packet) => packet.atMs > sinceMs && packet.rms > rms);
  }

  tick(frame: number): void {
    if (this.#closed || this.#agent === null) return;
    this.#ticks += 1;
    const caller = this.#caller.length >= FRAME ? this.#caller.subarray(0, FRAME) : null;
    this.#caller = caller ? this.#caller.subarray(FRAME) : this.#caller;
    const ulaw = caller ?? Buffer.alloc(FRAME, ULAW_SILENCE);
    decodeUlaw(ulaw, this.#callerPcm);
    this.#agent.onCallerFrame(this.#callerPcm, frame, ulaw);
    const agentAudio = this.#playout.queuedFrames > 0;
    const length = this.#playout.next(this.#packet);
    if (!agentAudio) return;
    decodeUlaw(this.#packet.subarray(12, length), this.#agentPcm);
    const atMs = performance.now();
    this.heard.push({ atMs, rms: rms(this.#agentPcm) });
    this.#agent.onAgentFrameSent?.(this.#agentPcm, atMs);
  }

  play(frame: Int16Array): boolean {
    if (this.#closed) return false;
    encodeUlaw(frame, this.#encoded);
    return this.#playout.enqueue(this.#encoded);
  }

  playUlaw(payload: Uint8Array): boolean {
    return !this.#closed && this.#playout.enqueue(payload);
  }

  endOfSpeech(): void {
    this.#playout.endOfSpurt();
  }

  clear(): void {
    this.#playout.clear();
  }

  space(signal: AbortSignal): Promise<boolean> {
    if (this.#closed || signal.aborted) return Promise.resolve(false);
    if (this.#playout.freeFrames > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (room: boolean): void => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        resolve(room);
      };
      const onAbort = (): void => done(false);
      this.#waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#playout.notifyWhenSpace();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.stop();
    this.#wake(false);
    await this.#agent?.close();
  }

  #wake(room: boolean): void {
    for (const done of [...this.#waiters]) done(room);
  }
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}
