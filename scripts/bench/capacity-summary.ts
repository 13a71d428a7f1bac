// The capacity section's JSON fields and its summary against the targets.
import type { SectionFields } from './bench-section.js';
import type { SearchOutcome } from './capacity-search.js';
import type { TrialResult } from './capacity-trial.js';
import { formatTargets } from './trial-report.js';

export const CAPACITY_TARGETS = {
  mediaCalls: 500,
  /** The gateway within 2x of the bare loop: media / baseline >= 0.5. */
  minRatio: 0.5,
  memKbPerCall: 1024,
} as const;

function probeFields(probe: TrialResult): SectionFields {
  return {
    generator_probe_calls: probe.calls,
    generator_probe_cpu_pct: round(probe.generatorCpuPct, 1),
    generator_probe_send_lateness_p99_ms: round(probe.generatorLateness?.p99, 3),
    generator_probe_on_time: probe.generatorLateness === null ? null : probe.valid,
  };
}

const round = (value: number | null | undefined, digits: number): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits));

function searchError(outcome: SearchOutcome): string | null {
  return outcome.stop === 'error' ? (outcome.trials.at(-1)?.error ?? 'unknown error') : null;
}

function compactTrial(trial: TrialResult): Record<string, unknown> {
  return {
    system: trial.system,
    calls: trial.calls,
    pass: trial.pass,
    valid: trial.valid,
    noisy: trial.noisy,
    reasons: trial.reasons,
    pacing_p50_ms: round(trial.pacing?.p50, 3),
    pacing_p99_ms: round(trial.pacing?.p99, 3),
    delay_variation_p99_ms: round(trial.delayVariation?.p99, 3),
    arrival_interval_deviation_p99_ms: round(trial.arrivalDeviation?.p99, 3),
    lost_in: trial.lostIn,
    lost_out: trial.lostOut,
    cpu_pct: round(trial.cpuPct, 1),
    run_queue_wait_pct: round(trial.targetRunQueueWaitPct, 1),
    rss_kb_per_call: round(trial.rssKbPerCall, 1),
    generator_cpu_pct: round(trial.generatorCpuPct, 1),
    generator_send_lateness_p99_ms: round(trial.generatorLateness?.p99, 3),
    late_ticks: trial.lateTicks,
  };
}

/** The capacity section's JSON fields. */
export function capacityFields(baseline: SearchOutcome, media: SearchOutcome, probe: TrialResult): SectionFields {
  const mediaError = searchError(media);
  const baselineError = searchError(baseline);
  const mediaCalls = mediaError === null ? media.maxCalls : null;
  const baselineCalls = baselineError === null ? baseline.maxCalls : null;
  const best = media.best;
  return {
    media_max_calls: mediaCalls,
    baseline_echo_calls: baselineCalls,
    media_vs_baseline_ratio: mediaCalls !== null && baselineCalls ? round(mediaCalls / baselineCalls, 3) : null,
    // Set when the generator fell behind below any failure: the figure is a lower bound, the target unknown from there up.
    media_unknown_above_calls: media.unknownAbove,
    baseline_unknown_above_calls: baseline.unknownAbove,
    pacing_p99_ms: round(best?.pacing?.p99, 3),
    cpu_pct_per_call: best?.cpuPct != null ? round(best.cpuPct / best.calls, 4) : null,
    mem_kb_per_call: round(best?.rssKbPerCall, 1),
    media_cpu_pct_at_max: round(best?.cpuPct, 1),
    media_run_queue_wait_pct_at_max: round(best?.targetRunQueueWaitPct, 1),
    media_delay_variation_p99_ms: round(best?.delayVariation?.p99, 3),
    media_arrival_interval_deviation_p99_ms: round(best?.arrivalDeviation?.p99, 3),
    media_first_failure_calls: media.lowestFail,
    media_search_stop: media.stop,
    media_error: mediaError,
    baseline_cpu_pct_at_max: round(baseline.best?.cpuPct, 1),
    baseline_delay_variation_p99_ms: round(baseline.best?.delayVariation?.p99, 3),
    baseline_first_failure_calls: baseline.lowestFail,
    baseline_search_stop: baseline.stop,
    baseline_error: baselineError,
    // Evidence the generator was not the limit: its load where each figure was measured, and the probe.
    generator_cpu_pct_at_baseline_max: round(baseline.best?.generatorCpuPct, 1),
    generator_send_lateness_p99_ms_at_baseline_max: round(baseline.best?.generatorLateness?.p99, 3),
    generator_cpu_pct_at_media_max: round(best?.generatorCpuPct, 1),
    generator_realtime: [...baseline.trials, ...media.trials].some((trial) => trial.generatorRealtime === true),
    ...probeFields(probe),
    capacity_targets: {
      media_calls_min: CAPACITY_TARGETS.mediaCalls,
      ratio_min: CAPACITY_TARGETS.minRatio,
      mem_kb_per_call_max: CAPACITY_TARGETS.memKbPerCall,
    },
    capacity_trials: [...baseline.trials, ...media.trials].map(compactTrial),
  };
}

/** A JSON field as summary text: numbers, strings and booleans as they are, anything else (null, unmeasured) as `absent`. */
function shown(value: unknown, absent = '-'): string {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? String(value) : absent;
}

/**
 * Whether the ratio meets its target, null when the bounds cannot tell: a
 * lower-bound gateway figure can only prove it met, a lower-bound echo figure
 * (an upper-bound ratio) only prove it missed.
 */
function ratioMet(ratio: number | null, mediaLowerBound: boolean, baselineLowerBound: boolean): boolean | null {
  if (ratio === null || (mediaLowerBound && baselineLowerBound)) return null;
  const met = ratio >= CAPACITY_TARGETS.minRatio;
  if (mediaLowerBound) return met ? true : null;
  if (baselineLowerBound) return met ? null : false;
  return met;
}

/** The readable summary under the trial table. */
export function summarizeCapacity(baseline: SearchOutcome, media: SearchOutcome, fields: SectionFields): string {
  const mediaCalls = fields.media_max_calls as number | null;
  const ratio = fields.media_vs_baseline_ratio as number | null;
  const memKb = fields.mem_kb_per_call as number | null;
  const bound = (outcome: SearchOutcome): string => (outcome.unknownAbove === null ? '' : `, unknown from ${outcome.unknownAbove} up: the generator fell behind there`);
  const atLeast = (outcome: SearchOutcome): string => (outcome.unknownAbove === null ? '' : '>= ');
  const lines = [
    `bare echo loop: ${atLeast(baseline)}${shown(fields.baseline_echo_calls, 'not measured')} calls (search ended: ${baseline.stop}${bound(baseline)})`,
    `media gateway:  ${atLeast(media)}${mediaCalls ?? 'not measured'} calls (search ended: ${media.stop}${bound(media)}), pacing p99 ${shown(fields.pacing_p99_ms)} ms, ` +
      `${shown(fields.cpu_pct_per_call)} % CPU/call, ${memKb ?? '-'} KB RSS/call`,
  ];
  if (fields.media_error !== null) lines.push(`media gateway could not be measured: ${shown(fields.media_error)}`);
  if (fields.baseline_error !== null) lines.push(`echo baseline could not be measured: ${shown(fields.baseline_error)}`);
  if (baseline.unknownAbove !== null || media.unknownAbove !== null) {
    lines.push('the load generator fell behind before the target failed: that figure is a lower bound, not a capacity (the ratio too)');
  }
  lines.push(
    `load generator: ${shown(fields.generator_cpu_pct_at_baseline_max)} % of its core at the echo's max ` +
      `(send lateness p99 ${shown(fields.generator_send_lateness_p99_ms_at_baseline_max)} ms), ` +
      `${shown(fields.generator_cpu_pct_at_media_max)} % at the gateway's max; driving ${shown(fields.generator_probe_calls)} calls ` +
      `(gen-probe row): ${shown(fields.generator_probe_cpu_pct)} %, send lateness p99 ` +
      `${shown(fields.generator_probe_send_lateness_p99_ms)} ms${fields.generator_probe_on_time === false ? ' (fell behind)' : ''}`,
    'targets:',
    formatTargets([
      {
        label: 'calls on one core',
        target: `>= ${CAPACITY_TARGETS.mediaCalls}`,
        measured: mediaCalls === null ? '-' : `${atLeast(media)}${mediaCalls}`,
        // A lower bound below the target says nothing either way.
        met: mediaCalls === null ? null : mediaCalls >= CAPACITY_TARGETS.mediaCalls ? true : media.unknownAbove === null ? false : null,
      },
      {
        label: 'media / bare echo',
        target: `>= ${CAPACITY_TARGETS.minRatio}`,
        measured: ratio === null ? '-' : `${ratio}${media.unknownAbove !== null || baseline.unknownAbove !== null ? ' (bounds: see above)' : ''}`,
        met: ratioMet(ratio, media.unknownAbove !== null, baseline.unknownAbove !== null),
      },
      {
        label: 'memory per call',
        target: `<= ${CAPACITY_TARGETS.memKbPerCall} KB`,
        measured: memKb === null ? '-' : `${memKb} KB`,
        met: memKb === null ? null : memKb <= CAPACITY_TARGETS.memKbPerCall,
      },
    ]),
  );
  return lines.join('\n');
}
