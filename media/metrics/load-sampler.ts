// The gateway's own load, sampled on a fixed period so that any number of
// backend replicas polling GET /load read the same figures (a sampler reset by
// each reader would give each a different window).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Window over which CPU and event-loop lag are measured. */
export const LOAD_SAMPLE_MS = 1_000;
/** Resolution of the event-loop delay sampler, ms (counted in every sample: not lag). */
const LOOP_RESOLUTION_MS = 10;

export interface LoadSample {
  /** CPU of the whole process over the last window, % of one core. */
  readonly cpuPct: number;
  readonly eventLoopLagP99Ms: number;
}

export class LoadSampler {
  readonly #loop: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  #cpu = process.cpuUsage();
  #atMs = performance.now();
  #latest: LoadSample = { cpuPct: 0, eventLoopLagP99Ms: 0 };

  constructor(sampleMs: number = LOAD_SAMPLE_MS) {
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#loop.enable();
    this.#timer = setInterval(() => this.#sample(), sampleMs);
    this.#timer.unref();
  }

  get latest(): LoadSample {
    return this.#latest;
  }

  #sample(): void {
    const now = performance.now();
    const used = process.cpuUsage(this.#cpu);
    const elapsedMs = Math.max(1, now - this.#atMs);
    const p99Ns = this.#loop.percentile(99);
    this.#latest = {
      cpuPct: round1(((used.user + used.system) / 1000 / elapsedMs) * 100),
      eventLoopLagP99Ms: Number.isFinite(p99Ns) ? round1(Math.max(0, p99Ns / 1e6 - LOOP_RESOLUTION_MS)) : 0,
    };
    this.#cpu = process.cpuUsage();
    this.#atMs = now;
    this.#loop.reset();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#loop.disable();
  }
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
