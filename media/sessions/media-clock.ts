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
//
// Waking on time: Node's timers have whole-millisecond resolution and measure
// from a cached loop time, so a slot armed with setTimeout starts anywhere
// from about 1 ms early to 1 ms late, and every packet of the slot carries
// that error. A clock given `waitUntil` (the media thread, which has nothing
// else to keep responsive) arms its timer early, lets the event loop read what
// arrived (setImmediate runs after the poll phase), then blocks for the last
// stretch (at most `preciseWaitMs`) and starts the slot within microseconds of
// its deadline. The wait goes in slices (`waitSliceMs`) with a turn of the
// event loop between them: libuv reads at most 32 datagrams of a socket per
// turn, so a thread that blocked for the whole stretch read at most 32 per
// slot (16,000 a second at 10 phases, 320 calls' worth) and the kernel dropped
// the rest. A datagram or message waits at most one slice. The blocked time
// is the thread's idle time, not CPU. A clock on the main thread has no
// `waitUntil` (it must never block the agents) and keeps the timer's precision.
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
  /**
   * Blocks the calling thread until `now() >= deadlineMs` (returns at once when
   * it is past). Given only where blocking the event loop for up to
   * `preciseWaitMs` is acceptable (the media thread).
   */
  waitUntil?: (deadlineMs: number) => void;
  /** The longest stretch waitUntil blocks for before a slot. Default 2 ms (a timer's error and then some). */
  preciseWaitMs?: number;
  /** The longest single block of that stretch, the event loop reading what arrived between two. Default 0.25 ms. */
  waitSliceMs?: number;
}

/** Timers fire on whole milliseconds; a slot this close is run now rather than re-armed. */
const EARLY_TOLERANCE_MS = 0.5;
/** With a precise wait, a slot is due once this close to its deadline (the wait's own wake-up latency). */
const PRECISE_TOLERANCE_MS = 0.02;
/** setTimeout fires up to about a millisecond either side of its delay (see the header). */
const TIMER_ERROR_MS = 1;
const DEFAULT_PRECISE_WAIT_MS = 2;
/** 0.25 ms: at 32 datagrams a turn, room for over 100,000 datagrams a second; a few µs of syscalls per slice. */
const DEFAULT_WAIT_SLICE_MS = 0.25;

export class MediaClock {
  readonly #options: MediaClockOptions;
  readonly #spacingMs: number;
  readonly #phases: Set<Tickable>[];
  readonly #phaseOf = new Map<Tickable, number>();
  #startMs = 0;
  #slot = 0;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #running = false;
  #lateSlots = 0;
  readonly #earlyToleranceMs: number;
  readonly #preciseWaitMs: number;
  readonly #waitSliceMs: number;

  constructor(options: MediaClockOptions) {
    this.#options = options;
    this.#earlyToleranceMs = options.waitUntil ? PRECISE_TOLERANCE_MS : EARLY_TOLERANCE_MS;
    this.#preciseWaitMs = Math.max(TIMER_ERROR_MS + 0.5, options.preciseWaitMs ?? DEFAULT_PRECISE_WAIT_MS);
    this.#waitSliceMs = options.waitSliceMs ?? DEFAULT_WAIT_SLICE_MS;
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
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
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
    this.#immediate = null;
    if (!this.#running) return;
    const { now, logger } = this.#options;
    const phases = this.#phases.length;
    let nowMs = now();
    this.#skipLateSlots(nowMs);
    while (this.#deadline(this.#slot) <= nowMs + this.#earlyToleranceMs) {
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
    this.#arm(now());
  };

  /** Schedules the next slot: a timer, or, close to the deadline with a precise wait, the wait itself. */
  #arm(nowMs: number): void {
    const remainingMs = this.#deadline(this.#slot) - nowMs;
    if (this.#options.waitUntil === undefined) {
      this.#timer = setTimeout(this.#run, Math.max(0, Math.floor(remainingMs)));
      return;
    }
    if (remainingMs <= this.#preciseWaitMs) {
      // After the poll phase: what arrived meanwhile is read before the thread blocks.
      this.#immediate = setImmediate(this.#waitThenRun);
      return;
    }
    // Early by at least the timer's error: the wake lands inside the precise wait's reach.
    this.#timer = setTimeout(this.#waitThenRun, Math.max(1, Math.floor(remainingMs - this.#preciseWaitMs)));
  }

  #waitThenRun = (): void => {
    this.#timer = null;
    this.#immediate = null;
    if (!this.#running) return;
    const deadlineMs = this.#deadline(this.#slot);
    const nowMs = this.#options.now();
    // A timer that fired early (its loop time was stale) is armed again rather than waited out.
    if (deadlineMs - nowMs > this.#preciseWaitMs) {
      this.#arm(nowMs);
      return;
    }
    if (deadlineMs - nowMs > this.#waitSliceMs) {
      // One slice, then a turn of the loop (its poll phase reads what arrived meanwhile).
      this.#options.waitUntil!(nowMs + this.#waitSliceMs);
      this.#immediate = setImmediate(this.#waitThenRun);
      return;
    }
    this.#options.waitUntil!(deadlineMs);
    this.#run();
  };
}
