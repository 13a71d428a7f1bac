// One clock drives every session's 20 ms media tick (jitter-buffer pop,
// agent, playout send, recording) on an absolute schedule: tick k of a
// session is due at start + k * 20 ms + its phase offset, so timer lateness
// never accumulates into drift.
//
// Sessions are spread over `phases` evenly spaced offsets inside the 20 ms
// frame. A session's packet leaves at its own slot instead of in one burst
// with every other session's, so the time spent sending the packets ahead of
// it in the same slot (the pacing error that grows with the number of calls)
// stays bounded by calls/phases, not calls.
import type { Logger } from 'pino';

export interface Tickable {
  /**
   * Runs one 20 ms media tick. `frame` counts ticks since the clock started;
   * `deadlineMs` is when this tick was due (performance.now() time base).
   */
  tick(frame: number, deadlineMs: number): void;
}

export interface MediaClockOptions {
  frameMs: number;
  phases: number;
  /** A slot this far behind (event loop stalled) is skipped instead of run late. */
  maxLagMs: number;
  now: () => number;
  logger: Logger;
}

/** Timers fire on whole milliseconds; a slot this close is run now rather than re-armed. */
const EARLY_TOLERANCE_MS = 0.5;

export class MediaClock {
  readonly #options: MediaClockOptions;
  readonly #spacingMs: number;
  readonly #phases: Set<Tickable>[];
  readonly #phaseOf = new Map<Tickable, number>();
  #startMs = 0;
  #slot = 0;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #lateSlots = 0;

  constructor(options: MediaClockOptions) {
    this.#options = options;
    this.#spacingMs = options.frameMs / options.phases;
    this.#phases = Array.from({ length: options.phases }, () => new Set<Tickable>());
  }

  get size(): number {
    return this.#phaseOf.size;
  }

  /** Slots skipped because the event loop was stalled longer than maxLagMs. */
  get lateSlots(): number {
    return this.#lateSlots;
  }

  /** Adds a member to the least loaded phase; returns the function that removes it. */
  add(member: Tickable): () => void {
    if (!this.#phaseOf.has(member)) {
      let phase = 0;
      for (let p = 1; p < this.#phases.length; p += 1) {
        if (this.#phases[p]!.size < this.#phases[phase]!.size) phase = p;
      }
      this.#phases[phase]!.add(member);
      this.#phaseOf.set(member, phase);
      if (!this.#running) this.#start();
    }
    return () => this.remove(member);
  }

  remove(member: Tickable): void {
    const phase = this.#phaseOf.get(member);
    if (phase === undefined) return;
    this.#phases[phase]!.delete(member);
    this.#phaseOf.delete(member);
    if (this.#phaseOf.size === 0) this.stop();
  }

  /** Stops the timer; members stay registered until removed. Idempotent. */
  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #start(): void {
    this.#running = true;
    this.#startMs = this.#options.now();
    this.#slot = 0;
    this.#run();
  }

  #deadline(slot: number): number {
    return this.#startMs + slot * this.#spacingMs;
  }

  /** Moves past the slots more than maxLagMs behind `nowMs`, leaving the latest one to run now. */
  #skipLateSlots(nowMs: number): void {
    const behind = nowMs - this.#deadline(this.#slot);
    if (behind <= this.#options.maxLagMs) return;
    const skip = Math.floor((behind - this.#spacingMs) / this.#spacingMs);
    if (skip <= 0) return;
    this.#slot += skip;
    this.#lateSlots += skip;
    this.#options.logger.warn({ behindMs: Math.round(behind), skippedSlots: skip }, 'media clock stalled; skipping late ticks');
  }

  #run = (): void => {
    this.#timer = null;
    if (!this.#running) return;
    const { now, logger } = this.#options;
    const phases = this.#phases.length;
    let nowMs = now();
    this.#skipLateSlots(nowMs);
    while (this.#deadline(this.#slot) <= nowMs + EARLY_TOLERANCE_MS) {
      const slot = this.#slot;
      const deadlineMs = this.#deadline(slot);
      const frame = Math.floor(slot / phases);
      for (const member of this.#phases[slot % phases]!) {
        try {
          member.tick(frame, deadlineMs);
        } catch (error) {
          logger.error({ err: error }, 'media tick failed');
        }
      }
      this.#slot += 1;
      nowMs = now();
      // A stall inside a slot (a long tick, a GC pause) is skipped like one between timers.
      this.#skipLateSlots(nowMs);
    }
    if (!this.#running) return;
    const delayMs = Math.max(0, Math.floor(this.#deadline(this.#slot) - now()));
    this.#timer = setTimeout(this.#run, delayMs);
  };
}
