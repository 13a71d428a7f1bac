// Pass/fail of one capacity trial, as a pure function of what was measured.
//
// A trial passes when, over the measurement window, nothing was lost in
// either direction and packets left on time:
// - into the target: the gateway counted every packet the generator sent by
//   the end of the drain (exact totals), and its jitter buffer reported no
//   loss or late packet in the window. The bare echo has no counters: every
//   packet sent must come back (round trip).
// - back to the generator: no sequence gap or reordering on any stream, and
//   every stream received its ~50 packets/s through the window.
// - pacing, two views of the same quantity that must both hold:
//   1. the gateway's own pacing histogram (how late each packet left against
//      its absolute schedule): the primary figure, the one reported;
//   2. the delay variation the generator measures with kernel receive
//      timestamps: how much later than its stream's earliest packet (on the
//      20 ms grid) each packet arrived. It catches what a self-measurement
//      cannot see (a packet timed, then actually sent later). The echo has no
//      schedule of its own, so for it this is the only view.
//   The arrival interval deviation |interval - 20 ms| is reported, not gated:
//   it is a difference of two pacing errors, so it reads up to twice as high.
// A trial whose generator itself fell behind (late sends, send errors) or
// whose clock was slewed does not measure the target: it is marked invalid rather than failed. A failure
// while other processes took the target's core is marked noisy (see LIMITS).
import type { GeneratorResult } from './load-generator.js';
import type { Quantiles } from './pacing-histogram.js';

export const LIMITS = {
  pacingP99Ms: 2,
  /** The generator's own send lateness p99 above this invalidates the trial. */
  generatorLatenessP99Ms: 1,
  /**
   * Kernel receive timestamps follow CLOCK_REALTIME: if it moved against
   * CLOCK_MONOTONIC by more than this over a trial (NTP slewing), the delay
   * variation is bent and the trial does not count.
   */
  maxClockDriftMs: 0.5,
  /** A stream may receive this many packets fewer than window/20 ms (window edges). */
  streamShortfallPackets: 2,
  /**
   * A target whose event loop waited this share of the window for its core
   * was competing with other processes: a failure then is marked noisy (it
   * may be the machine's, not the target's).
   */
  noisyRunQueueWaitPct: 2,
  /**
   * A target using this much of its core is saturated: its failure is its own
   * even if it also waited (SCHED_FIFO throttling alone leaves it waiting 5 %).
   */
  saturatedCpuPct: 90,
} as const;

export const FRAME_MS = 20;

export interface GatewayWindow {
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly lost: number;
  readonly late: number;
  readonly lateTicks: number;
  readonly pacing: Quantiles;
}

export interface TrialObservation {
  readonly generator: GeneratorResult;
  /** Null for a target without counters (the echo). */
  readonly gatewayWindow: GatewayWindow | null;
  /** Gateway packetsIn after the drain, null for the echo. */
  readonly gatewayFinalPacketsIn: number | null;
}

export interface Verdict {
  readonly pass: boolean;
  /** False when the generator, not the target, was the limit. */
  readonly valid: boolean;
  readonly reasons: readonly string[];
  /** Packets that did not make it into the target (gateway) or back (echo). */
  readonly lostIn: number;
  /** Sequence gaps seen by the generator in the window. */
  readonly lostOut: number;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;

export function isNoisy(runQueueWaitPct: number | null, cpuPct: number): boolean {
  return runQueueWaitPct !== null && runQueueWaitPct > LIMITS.noisyRunQueueWaitPct && cpuPct < LIMITS.saturatedCpuPct;
}

export function judgeTrial(observation: TrialObservation): Verdict {
  const { generator, gatewayWindow, gatewayFinalPacketsIn } = observation;
  const reasons: string[] = [];
  let valid = true;
  if (generator.send_lateness_ms.p99 > LIMITS.generatorLatenessP99Ms) {
    valid = false;
    reasons.push(`generator fell behind (send lateness p99 ${ms(generator.send_lateness_ms.p99)})`);
  }
  if (Math.abs(generator.realtime_drift_ms) > LIMITS.maxClockDriftMs) {
    valid = false;
    reasons.push(`system clock slewed ${ms(generator.realtime_drift_ms)} during the trial`);
  }
  if (generator.send_errors > 0 || generator.receive_errors > 0) {
    valid = false;
    reasons.push(`generator socket errors (${generator.send_errors} send, ${generator.receive_errors} receive)`);
  }

  let lostIn: number;
  if (gatewayFinalPacketsIn !== null) {
    lostIn = Math.max(0, generator.sent_total - gatewayFinalPacketsIn);
    if (lostIn > 0) reasons.push(`inbound loss: gateway counted ${gatewayFinalPacketsIn} of ${generator.sent_total}`);
  } else {
    lostIn = Math.max(0, generator.sent_total - generator.received_total);
    if (lostIn > 0) reasons.push(`round-trip loss: ${lostIn} of ${generator.sent_total} not echoed`);
  }
  if (gatewayWindow !== null && gatewayWindow.lost + gatewayWindow.late > 0) {
    reasons.push(`jitter buffer: ${gatewayWindow.lost} lost, ${gatewayWindow.late} late`);
  }

  const lostOut = generator.lost_window;
  if (lostOut > 0) reasons.push(`outbound loss: ${lostOut} sequence gaps`);
  if (generator.out_of_order > 0) reasons.push(`outbound: ${generator.out_of_order} duplicate or out of order`);
  const expectedPerStream = Math.floor(generator.measure_ms / FRAME_MS);
  if (generator.min_stream_received_window < expectedPerStream - LIMITS.streamShortfallPackets) {
    reasons.push(`outbound: a stream got ${generator.min_stream_received_window} of ${expectedPerStream} packets`);
  }

  if (gatewayWindow !== null) {
    if (gatewayWindow.pacing.count === 0) reasons.push('gateway paced no packet in the window');
    else if (gatewayWindow.pacing.p99 > LIMITS.pacingP99Ms) reasons.push(`gateway pacing p99 ${ms(gatewayWindow.pacing.p99)}`);
  }
  if (generator.delay_variation_ms.p99 > LIMITS.pacingP99Ms) {
    reasons.push(`delay variation p99 ${ms(generator.delay_variation_ms.p99)}`);
  }
  return { pass: valid && reasons.length === 0, valid, reasons, lostIn, lostOut };
}
