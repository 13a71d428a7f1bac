// One call's Silero state: the caller's 20 ms frames are cut into the model's
// 32 ms windows and run through the process's shared session, one window at a
// time (each run needs the state the previous one returned).
//
// Cost control: a window is evaluated only while the energy gate is open (a
// frame the energy classifier calls speech, and GATE_HANGOVER_MS after it),
// so silence and steady background cost nothing. When the gate opens after
// being shut, the model state is reset and the first window takes the
// previous frame's last samples too, so the first decision is ready one
// window after the onset rather than two.
//
// Runs are asynchronous (onnxruntime-node); the probability a frame's decision
// reads is the newest one available, at most one frame behind. Hysteresis as
// in the reference implementation: speech from SPEECH_THRESHOLD up, until the
// probability falls below SILENCE_THRESHOLD. Windows that pile up behind a
// slow run (an overloaded machine) beyond MAX_QUEUED_WINDOWS are dropped and
// the state is reset: a late decision is worth less than the media clock.
import { FRAME_MS, FULL_SCALE } from '../audio/frame.js';
import { SILERO_CONTEXT_SAMPLES, SILERO_STATE_SIZE, SILERO_WINDOW_SAMPLES, type SileroModel } from './silero-model.js';

/** A window at or above this probability is speech... */
export const SPEECH_THRESHOLD = 0.5;
/** ...and speech goes on until a window falls below this one. */
export const SILENCE_THRESHOLD = 0.35;
/** The gate stays open this long after the last frame the energy gate passed (soft word endings). */
export const GATE_HANGOVER_MS = 200;
/** Windows waiting behind a run in flight before the stream gives up on them. */
export const MAX_QUEUED_WINDOWS = 4;
const INPUT_SIZE = SILERO_CONTEXT_SAMPLES + SILERO_WINDOW_SAMPLES;
/** Input buffers: the one running, the queued ones, the one filling. */
const BUFFERS = MAX_QUEUED_WINDOWS + 2;

export interface SileroStreamStats {
  /** Windows evaluated by the model. */
  readonly windows: number;
  /** Windows dropped because runs fell behind. */
  readonly dropped: number;
  /** Runs that failed (the detector then trusts the energy gate alone). */
  readonly failures: number;
}

export class SileroStream {
  readonly #model: SileroModel;
  readonly #buffers: Float32Array[] = Array.from({ length: BUFFERS }, () => new Float32Array(INPUT_SIZE));
  #filling = 0;
  /** New samples in the filling buffer (after its context). */
  #fill = 0;
  readonly #queue: Float32Array[] = [];
  #running = false;
  /** The input of the run in flight: never refilled before it settles. */
  #inFlight: Float32Array | null = null;
  #state: Float32Array = new Float32Array(SILERO_STATE_SIZE);
  /** Incremented by every reset: results of runs started before it are dropped. */
  #epoch = 0;
  readonly #previous: Int16Array;
  #hasPrevious = false;
  #lastAtMs = Number.NaN;
  #gateOpenUntilMs = Number.NEGATIVE_INFINITY;
  #active = false;
  #speaking = false;
  #probability = 0;
  #closed = false;
  readonly #settledWaiters: (() => void)[] = [];
  #windows = 0;
  #dropped = 0;
  #failures = 0;

  constructor(model: SileroModel, samplesPerFrame: number) {
    this.#model = model;
    this.#previous = new Int16Array(samplesPerFrame);
  }

  /** The newest decision: the caller speaks (by the model, inside the gate). */
  get speaking(): boolean {
    return this.#speaking;
  }

  get probability(): number {
    return this.#probability;
  }

  get stats(): SileroStreamStats {
    return { windows: this.#windows, dropped: this.#dropped, failures: this.#failures };
  }

  /**
   * The frame at `atMs` and the energy gate's verdict on it. Several detectors
   * of one call may pass the same frame: only the first is taken.
   */
  push(frame: Int16Array, atMs: number, gateOpen: boolean): void {
    if (this.#closed || atMs === this.#lastAtMs) return;
    this.#lastAtMs = atMs;
    if (gateOpen) this.#gateOpenUntilMs = atMs + FRAME_MS + GATE_HANGOVER_MS;
    if (atMs >= this.#gateOpenUntilMs) {
      if (this.#active) this.#shut();
    } else {
      if (!this.#active) this.#open();
      this.#append(frame, 0);
    }
    this.#previous.set(frame.subarray(0, this.#previous.length));
    this.#hasPrevious = true;
  }

  /** Resolves once no window is running or queued (a bench or test paces itself on it). */
  settled(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  #open(): void {
    this.#active = true;
    this.#epoch += 1;
    this.#state = new Float32Array(SILERO_STATE_SIZE);
    this.#fill = 0;
    const buffer = this.#buffers[this.#filling]!;
    buffer.fill(0, 0, SILERO_CONTEXT_SAMPLES);
    if (!this.#hasPrevious) return;
    // Seed with the previous frame's tail: its last 32 samples before the seed are the context.
    const previous = this.#previous;
    const seed = Math.min(SILERO_WINDOW_SAMPLES - previous.length, previous.length - SILERO_CONTEXT_SAMPLES);
    if (seed <= 0) return;
    const from = previous.length - seed;
    for (let i = 0; i < SILERO_CONTEXT_SAMPLES; i += 1) buffer[i] = previous[from - SILERO_CONTEXT_SAMPLES + i]! / FULL_SCALE;
    this.#append(previous, from);
  }

  #shut(): void {
    this.#active = false;
    this.#speaking = false;
    this.#probability = 0;
    this.#epoch += 1;
    this.#queue.length = 0;
  }

  #append(samples: Int16Array, from: number): void {
    for (let i = from; i < samples.length; i += 1) {
      const buffer = this.#buffers[this.#filling]!;
      buffer[SILERO_CONTEXT_SAMPLES + this.#fill] = samples[i]! / FULL_SCALE;
      this.#fill += 1;
      if (this.#fill === SILERO_WINDOW_SAMPLES) this.#submit(buffer);
    }
  }

  /** The window is full: run or queue it; the next buffer starts with its last samples as context. */
  #submit(window: Float32Array): void {
    this.#filling = (this.#filling + 1) % BUFFERS;
    if (this.#buffers[this.#filling] === this.#inFlight) this.#filling = (this.#filling + 1) % BUFFERS;
    const next = this.#buffers[this.#filling]!;
    next.set(window.subarray(INPUT_SIZE - SILERO_CONTEXT_SAMPLES), 0);
    this.#fill = 0;
    if (!this.#running) {
      void this.#run(window);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED_WINDOWS) {
      this.#dropped += this.#queue.length + 1;
      this.#queue.length = 0;
      this.#epoch += 1;
      this.#state = new Float32Array(SILERO_STATE_SIZE);
      return;
    }
    this.#queue.push(window);
  }

  async #run(window: Float32Array): Promise<void> {
    this.#running = true;
    for (let current: Float32Array | undefined = window; current !== undefined && !this.#closed; current = this.#queue.shift()) {
      const epoch = this.#epoch;
      this.#inFlight = current;
      try {
        const result = await this.#model.run(current, this.#state);
        this.#windows += 1;
        if (epoch !== this.#epoch || this.#closed) continue;
        this.#state = result.state;
        this.#probability = result.probability;
        if (result.probability >= SPEECH_THRESHOLD) this.#speaking = true;
        else if (result.probability < SILENCE_THRESHOLD) this.#speaking = false;
      } catch {
        this.#failures += 1;
      }
    }
    this.#inFlight = null;
    this.#running = false;
    for (const resolve of this.#settledWaiters.splice(0)) resolve();
  }
}
