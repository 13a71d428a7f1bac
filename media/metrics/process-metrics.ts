// Metrics of the gateway as a whole that no session counter holds: how late the
// event loop runs (everything the gateway does waits behind it, RTP pacing
// first) and the RFC 3550 jitter of the inbound streams now open.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Metric } from './prometheus.js';

/** Resolution of the event loop delay sampler, ms. */
const LOOP_RESOLUTION_MS = 10;

export class ProcessMetrics {
  readonly #loop: IntervalHistogram;

  constructor() {
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#loop.enable();
  }

  /** `jittersMs`: the inbound jitter of every open session. The loop figures cover the time since the last scrape. */
  metrics(jittersMs: readonly number[]): Metric[] {
    const ns = (value: number): number => (Number.isFinite(value) ? value / 1e9 : 0);
    // The sampler's own resolution is counted in every sample: it is not lag.
    const lag = (value: number): number => Math.max(0, ns(value) - LOOP_RESOLUTION_MS / 1000);
    const metrics: Metric[] = [
      { kind: 'gauge', name: 'nodejs_eventloop_lag_p99_seconds', help: 'Event loop delay, 99th percentile since the last scrape.', value: lag(this.#loop.percentile(99)) },
      { kind: 'gauge', name: 'nodejs_eventloop_lag_max_seconds', help: 'Longest event loop delay since the last scrape.', value: lag(this.#loop.max) },
      { kind: 'gauge', name: 'media_rtp_jitter_max_seconds', help: 'Highest inbound RTP jitter (RFC 3550) of the open sessions.', value: Math.max(0, ...jittersMs) / 1000 },
      {
        kind: 'gauge',
        name: 'media_rtp_jitter_mean_seconds',
        help: 'Mean inbound RTP jitter (RFC 3550) of the open sessions.',
        value: jittersMs.length === 0 ? 0 : jittersMs.reduce((sum, value) => sum + value, 0) / jittersMs.length / 1000,
      },
    ];
    this.#loop.reset();
    return metrics;
  }

  close(): void {
    this.#loop.disable();
  }
}
