// Metrics of the gateway as a whole that no session counter holds: how late the
// event loops run (the main thread's: the control API, the agents and their
// providers wait behind it; the media thread's: RTP pacing waits behind it) and
// the RFC 3550 jitter of the inbound streams now open.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Metric } from './prometheus.js';

/** Resolution of the event loop delay sampler, ms. */
const LOOP_RESOLUTION_MS = 10;
/** A media thread that has not measured yet. */
const NO_LAG = { p99: 0, max: 0 } as const;

export class ProcessMetrics {
  readonly #loop: IntervalHistogram;

  constructor() {
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#loop.enable();
  }

  /**
   * `jittersMs`: the inbound jitter of every open session. The main thread's
   * loop figures cover the time since the last scrape; `mediaLagMs` (the media
   * thread's) its last second.
   */
  metrics(jittersMs: readonly number[], mediaLagMs: { readonly p99: number; readonly max: number } = NO_LAG): Metric[] {
    const ns = (value: number): number => (Number.isFinite(value) ? value / 1e9 : 0);
    // The sampler's own resolution is counted in every sample: it is not lag.
    const lag = (value: number): number => Math.max(0, ns(value) - LOOP_RESOLUTION_MS / 1000);
    const metrics: Metric[] = [
      { kind: 'gauge', name: 'nodejs_eventloop_lag_p99_seconds', help: 'Event loop delay, 99th percentile since the last scrape.', value: lag(this.#loop.percentile(99)) },
      { kind: 'gauge', name: 'nodejs_eventloop_lag_max_seconds', help: 'Longest event loop delay since the last scrape.', value: lag(this.#loop.max) },
      ...threadLag('p99', '99th percentile of the event loop delay per thread (main: since the last scrape; media: over its last second).', lag(this.#loop.percentile(99)), mediaLagMs.p99 / 1000),
      ...threadLag('max', 'Longest event loop delay per thread (main: since the last scrape; media: over its last second).', lag(this.#loop.max), mediaLagMs.max / 1000),
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

function threadLag(stat: 'p99' | 'max', help: string, mainS: number, mediaS: number): Metric[] {
  const name = `media_event_loop_lag_${stat}_seconds`;
  return [
    { kind: 'gauge', name, help, value: mainS, labels: { thread: 'main' } },
    { kind: 'gauge', name, help, value: mediaS, labels: { thread: 'media' } },
  ];
}
