// A live speech-to-text stream for a whole call that survives dropped sockets.
// It sits on any SttProvider: when the provider's stream fails with a
// retryable error, a new stream is opened (reconnect.ts: bounded attempts and
// backoff), and the caller audio the new stream needs is sent to it first:
//
// - while an utterance is being recognized (speech started or words heard,
//   no final yet), everything from STT_REPLAY_LEAD_MS before it, so the new
//   stream recognizes it whole and the transcript in flight is not lost;
// - otherwise the last STT_REPLAY_MIN_MS, for the words at the edge of the drop;
// - never audio before the end of the last final, whose words were delivered.
//
// Audio goes into a ring of the last STT_REPLAY_MAX_MS as it is sent, so the
// audio of the reconnection itself is replayed too. Each stream's audio times
// are mapped onto the call's clock (the time its first audio was sent), and an
// event about audio already covered by a delivered final is dropped: nothing is
// delivered twice. The events of all the streams form one AsyncIterable.
import { linkAbort, type LinkedAbort } from './abort-link.js';
import { AsyncQueue } from './async-queue.js';
import { ProviderError } from './provider-error.js';
import { STT_REPLAY_LEAD_MS, STT_REPLAY_MAX_MS, STT_REPLAY_MIN_MS } from './provider-timing.js';
import { reopen, ReconnectBudget, type ReconnectPolicy } from './reconnect.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from './types.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';

export interface ResilientSttOptions {
  readonly provider: SttProvider;
  readonly stream: Omit<SttStreamOptions, 'signal'>;
  /** The call's: aborting it closes everything at once. */
  readonly signal: AbortSignal;
  /** The call's clock (performance.now() ms): audio times are mapped onto it. */
  readonly now: () => number;
  readonly policy?: ReconnectPolicy | undefined;
  /** Told once per stream opened again, with the failure that closed the previous one. */
  readonly onReconnect?: ((cause: unknown) => void) | undefined;
}

/** Events a consumer that fell behind may leave queued; beyond it the stream fails. */
const EVENT_CAPACITY = 10_000;
/** 20 ms of 8 kHz mu-law. */
/** One 20 ms mu-law frame: a byte per sample. */
const FRAME_BYTES = SAMPLES_PER_FRAME_8K;
const FRAME_MS = 20;

/** Opens the first stream (its failure rejects, as the provider's own open does). */
export async function openResilientStt(options: ResilientSttOptions): Promise<SttStream> {
  const stream = new ResilientSttStream(options);
  await stream.start();
  return stream;
}

/** The last frames sent, with the time each was sent (preallocated; no copy per frame beyond the ring). */
class AudioRing {
  readonly #bytes: Uint8Array;
  readonly #lengths: Uint16Array;
  readonly #times: Float64Array;
  #next = 0;
  #size = 0;

  constructor(frames: number) {
    this.#bytes = new Uint8Array(frames * FRAME_BYTES);
    this.#lengths = new Uint16Array(frames);
    this.#times = new Float64Array(frames);
  }

  push(audio: Uint8Array, atMs: number): void {
    const slot = this.#next;
    const length = Math.min(audio.length, FRAME_BYTES);
    this.#bytes.set(audio.subarray(0, length), slot * FRAME_BYTES);
    this.#lengths[slot] = length;
    this.#times[slot] = atMs;
    this.#next = (slot + 1) % this.#lengths.length;
    this.#size = Math.min(this.#size + 1, this.#lengths.length);
  }

  /** The frames sent at or after `fromMs`, oldest first (views into the ring: send them before the next push). */
  *since(fromMs: number): Generator<{ audio: Uint8Array; atMs: number }> {
    const capacity = this.#lengths.length;
    for (let i = 0; i < this.#size; i += 1) {
      const slot = (this.#next - this.#size + i + capacity) % capacity;
      const atMs = this.#times[slot]!;
      if (atMs < fromMs) continue;
      yield { audio: this.#bytes.subarray(slot * FRAME_BYTES, slot * FRAME_BYTES + this.#lengths[slot]!), atMs };
    }
  }
}

class ResilientSttStream implements SttStream {
  readonly #options: ResilientSttOptions;
  readonly #life: LinkedAbort;
  readonly #events = new AsyncQueue<SttEvent>({
    capacity: EVENT_CAPACITY,
    overflowError: () => new ProviderError({ provider: 'stt', vendor: 'deepgram', code: 'protocol', retryable: false }, 'event consumer fell behind'),
  });
  readonly #ring = new AudioRing(Math.ceil(STT_REPLAY_MAX_MS / FRAME_MS));
  readonly #budget: ReconnectBudget;
  #current: SttStream | null = null;
  /** Call time of the current stream's first audio; null until it got some. */
  #originMs: number | null = null;
  /** End (call time) of the last final delivered: audio up to there is transcribed. */
  #finalEndMs = Number.NEGATIVE_INFINITY;
  #utteranceEndMs = Number.NEGATIVE_INFINITY;
  /** Start (call time) of speech heard since the last final, if any. */
  #inFlightFromMs: number | null = null;
  #droppedBefore = 0;
  #closing: Promise<void> | null = null;

  constructor(options: ResilientSttOptions) {
    this.#options = options;
    this.#life = linkAbort(options.signal);
    this.#budget = new ReconnectBudget(options.policy);
    this.#life.signal.addEventListener('abort', () => this.#events.discard(), { once: true });
  }

  get events(): AsyncIterable<SttEvent> {
    return this.#events;
  }

  get droppedFrames(): number {
    return this.#droppedBefore + (this.#current?.droppedFrames ?? 0);
  }

  async start(): Promise<void> {
    const stream = await this.#open(this.#life.signal);
    this.#attach(stream);
  }

  send(audio: Uint8Array): void {
    const atMs = this.#options.now();
    this.#ring.push(audio, atMs);
    const current = this.#current;
    if (current === null) return;
    this.#originMs ??= atMs;
    current.send(audio);
  }

  keepAlive(): void {
    this.#current?.keepAlive();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const current = this.#current;
      // A reconnection under way is abandoned; the current stream sends its last results first.
      if (current === null) this.#life.controller.abort();
      else await current.close();
      this.#events.end();
      this.#life.dispose();
    })();
    return this.#closing;
  }

  #open(signal: AbortSignal): Promise<SttStream> {
    return this.#options.provider.open({ ...this.#options.stream, signal });
  }

  #attach(stream: SttStream): void {
    this.#current = stream;
    void this.#pump(stream);
  }

  async #pump(stream: SttStream): Promise<void> {
    try {
      for await (const event of stream.events) this.#deliver(event);
      // Ended without an error: closed on our side.
      this.#events.end();
    } catch (error: unknown) {
      if (this.#closing !== null || this.#life.signal.aborted) return;
      this.#droppedBefore += stream.droppedFrames;
      this.#current = null;
      this.#originMs = null;
      void stream.close();
      await this.#reconnect(error);
    }
  }

  async #reconnect(cause: unknown): Promise<void> {
    const signal = this.#life.signal;
    if (!this.#budget.take(this.#options.now())) {
      this.#events.fail(cause);
      return;
    }
    let stream: SttStream;
    try {
      stream = await reopen((attemptSignal) => this.#open(attemptSignal), cause, { signal, ...(this.#options.policy ? { policy: this.#options.policy } : {}) });
    } catch (error: unknown) {
      if (!signal.aborted) this.#events.fail(error);
      return;
    }
    if (this.#closing !== null || signal.aborted) {
      void stream.close();
      return;
    }
    for (const { audio, atMs } of this.#ring.since(this.#replayFromMs())) {
      this.#originMs ??= atMs;
      stream.send(audio);
    }
    this.#options.onReconnect?.(cause);
    this.#attach(stream);
  }

  /** Where the audio sent again to a new stream starts (see the top of the file). */
  #replayFromMs(): number {
    let fromMs = this.#options.now() - STT_REPLAY_MIN_MS;
    if (this.#inFlightFromMs !== null) fromMs = Math.min(fromMs, this.#inFlightFromMs - STT_REPLAY_LEAD_MS);
    return Math.max(fromMs, this.#finalEndMs);
  }

  /** Maps the event onto the call's clock and drops what a delivered final already covered. */
  #deliver(event: SttEvent): void {
    const originMs = this.#originMs ?? this.#options.now();
    switch (event.type) {
      case 'speech_started': {
        const audioMs = originMs + event.audioMs;
        if (audioMs < this.#finalEndMs) return;
        this.#inFlightFromMs ??= audioMs;
        this.#events.push({ ...event, audioMs });
        return;
      }
      case 'interim':
      case 'final': {
        const audioStartMs = originMs + event.audioStartMs;
        const audioEndMs = originMs + event.audioEndMs;
        if (audioEndMs <= this.#finalEndMs) return;
        if (event.type === 'final') {
          this.#finalEndMs = audioEndMs;
          this.#inFlightFromMs = null;
        } else {
          this.#inFlightFromMs ??= audioStartMs;
        }
        this.#events.push({ ...event, audioStartMs, audioEndMs });
        return;
      }
      case 'utterance_end': {
        const audioEndMs = originMs + event.audioEndMs;
        if (audioEndMs <= this.#utteranceEndMs) return;
        this.#utteranceEndMs = audioEndMs;
        this.#inFlightFromMs = null;
        this.#events.push({ ...event, audioEndMs });
        return;
      }
    }
  }
}
