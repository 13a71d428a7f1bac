// Section "capacity": the most concurrent calls one gateway process sustains
// (50 RTP packets/s each way per call, zero loss, pacing p99 <= 2 ms), next
// to the same figure for a bare Node dgram echo loop on the same generator.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { runCapacityTrial, type TrialResult, type TrialSetup } from './capacity-trial.js';
import { searchCapacity, type SearchOutcome, type SearchPlan } from './capacity-search.js';
import { canPin, canRunRealtime, pinSelf } from './child-process.js';
import { echoLauncher } from './echo-process.js';
import { gatewayLauncher } from './gateway-process.js';
import { compileLoadGenerator, type GeneratorTiming } from './load-generator.js';
import { clockTicksPerSecond, machineBusyPercent } from './proc-sampler.js';
import { formatTargets, TABLE_LEGEND, trialRow, trialTableHeader } from './trial-report.js';
import type { TargetLauncher } from './trial-target.js';

export const CAPACITY_TARGETS = {
  mediaCalls: 500,
  /** The gateway within 2x of the bare loop: media / baseline >= 0.5. */
  minRatio: 0.5,
  memKbPerCall: 1024,
} as const;

/** Above this, other processes are busy enough to distort the figures: say so. */
const BUSY_MACHINE_PCT = 10;

/** Ports and file descriptors: the generator opens one socket per call. */
const MAX_CALLS = 12_000;

interface RunProfile {
  readonly timing: GeneratorTiming;
  readonly plan: Omit<SearchPlan, 'budgetMs'>;
  readonly baselineBudgetMs: number;
  readonly mediaBudgetMs: number;
}

const FULL: RunProfile = {
  timing: { warmupMs: 2000, measureMs: 8000, drainMs: 500 },
  plan: { startCalls: 100, growthFactor: 2, resolution: 0.05, minStepCalls: 5, maxCalls: MAX_CALLS },
  baselineBudgetMs: 240_000,
  mediaBudgetMs: 330_000,
};

const QUICK: RunProfile = {
  timing: { warmupMs: 1000, measureMs: 3000, drainMs: 300 },
  plan: { startCalls: 200, growthFactor: 2, resolution: 0.2, minStepCalls: 10, maxCalls: MAX_CALLS },
  baselineBudgetMs: 50_000,
  mediaBudgetMs: 70_000,
};

export const capacitySection: BenchSection = {
  name: 'capacity',
  title: 'Media gateway capacity (one process, one core) vs a bare dgram echo loop',
  run: runCapacitySection,
};

async function runCapacitySection(context: BenchContext): Promise<SectionFields> {
  const profile = context.options.quick ? QUICK : FULL;
  // Read before pinning this process: availableParallelism() follows its affinity.
  const cores = availableParallelism();
  const twoCores = cores >= 2 && canPin();
  const targetCore = twoCores ? 0 : null;
  const generatorCore = twoCores ? 1 : null;
  if (twoCores) pinSelf(1);
  else context.print('note: fewer than 2 cores or no taskset: target and generator share the CPU, figures are low');
  const setup: TrialSetup = {
    generatorBinary: compileLoadGenerator(join(context.benchDir, 'rtp-load.c'), context.tempRoot),
    payloadPath: join(context.repoRoot, 'test/fixtures/media/caller-speech-6s.ulaw'),
    timing: profile.timing,
    generatorCore,
    ticksPerSecond: clockTicksPerSecond(),
    cleanup: context.cleanup,
  };
  const realtimeTargets = context.options.realtimeTargets && canRunRealtime();
  if (context.options.realtimeTargets && !realtimeTargets) context.print('note: --rt ignored: chrt -f is not permitted here');
  const busyBeforePct = await machineBusyPercent(1000);
  context.print(`machine load before the bench: ${busyBeforePct.toFixed(1)} % of ${cores} cores`);
  if (busyBeforePct > BUSY_MACHINE_PCT) {
    context.print('note: other processes are busy; pacing figures will suffer (see rqwait%): run on a quiet machine, or with --rt');
  }
  context.print(
    `each trial: fresh process, warm-up ${profile.timing.warmupMs} ms, window ${profile.timing.measureMs} ms; ` +
      `target on core ${targetCore ?? '-'}${realtimeTargets ? ' (SCHED_FIFO, --rt)' : ''}, generator on core ${generatorCore ?? '-'}\n`,
  );
  context.print(trialTableHeader());
  const search = (launcher: TargetLauncher, budgetMs: number): Promise<SearchOutcome> =>
    searchCapacity(
      { ...profile.plan, budgetMs },
      {
        runTrial: (calls) => runCapacityTrial(launcher, calls, setup),
        nowMs: () => performance.now(),
        onTrial: (trial) => context.print(trialRow(trial)),
      },
    );
  const placement = { core: targetCore, realtime: realtimeTargets };
  const echo = echoLauncher({ benchDir: context.benchDir, placement, cleanup: context.cleanup });
  const baseline = await search(echo, profile.baselineBudgetMs);
  const media = await search(
    gatewayLauncher({ repoRoot: context.repoRoot, tempRoot: context.tempRoot, placement, cleanup: context.cleanup }),
    profile.mediaBudgetMs,
  );
  const probe = await probeGenerator(echo, Math.max(baseline.maxCalls, media.maxCalls), setup);
  context.print(trialRow(probe));
  context.print(`\n${TABLE_LEGEND}\n`);
  const fields = {
    machine_busy_pct_before: Number(busyBeforePct.toFixed(1)),
    targets_realtime: realtimeTargets,
    ...capacityFields(baseline, media),
    ...probeFields(probe),
  };
  context.print(summarize(baseline, media, fields));
  return fields;
}

/**
 * The generator's own headroom: drive the bare echo at twice the highest
 * capacity found (the echo may fail there; what counts is whether the
 * generator stayed on time and how much of its core it used).
 */
function probeGenerator(echo: TargetLauncher, highestCalls: number, setup: TrialSetup): Promise<TrialResult> {
  const calls = Math.min(MAX_CALLS, Math.max(2 * highestCalls, 400));
  return runCapacityTrial({ ...echo, name: 'gen-probe' }, calls, setup);
}

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

/** The highest generator CPU and send lateness among valid trials: evidence it was not the limit. */
function generatorHeadroom(trials: readonly TrialResult[]): { cpuPct: number | null; latenessP99Ms: number | null } {
  const valid = trials.filter((trial) => trial.valid && trial.error === null);
  const cpu = valid.map((trial) => trial.generatorCpuPct ?? 0);
  const lateness = valid.map((trial) => trial.generatorLateness?.p99 ?? 0);
  return {
    cpuPct: cpu.length === 0 ? null : round(Math.max(...cpu), 1),
    latenessP99Ms: lateness.length === 0 ? null : round(Math.max(...lateness), 3),
  };
}

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

function capacityFields(baseline: SearchOutcome, media: SearchOutcome): SectionFields {
  const mediaError = searchError(media);
  const baselineError = searchError(baseline);
  const mediaCalls = mediaError === null ? media.maxCalls : null;
  const baselineCalls = baselineError === null ? baseline.maxCalls : null;
  const best = media.best;
  const generator = generatorHeadroom([...baseline.trials, ...media.trials]);
  return {
    media_max_calls: mediaCalls,
    baseline_echo_calls: baselineCalls,
    media_vs_baseline_ratio: mediaCalls !== null && baselineCalls ? round(mediaCalls / baselineCalls, 3) : null,
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
    generator_max_cpu_pct: generator.cpuPct,
    generator_max_send_lateness_p99_ms: generator.latenessP99Ms,
    generator_realtime: [...baseline.trials, ...media.trials].some((trial) => trial.generatorRealtime === true),
    capacity_targets: {
      media_calls_min: CAPACITY_TARGETS.mediaCalls,
      ratio_min: CAPACITY_TARGETS.minRatio,
      mem_kb_per_call_max: CAPACITY_TARGETS.memKbPerCall,
    },
    capacity_trials: [...baseline.trials, ...media.trials].map(compactTrial),
  };
}

function summarize(baseline: SearchOutcome, media: SearchOutcome, fields: SectionFields): string {
  const mediaCalls = fields.media_max_calls as number | null;
  const ratio = fields.media_vs_baseline_ratio as number | null;
  const memKb = fields.mem_kb_per_call as number | null;
  const lines = [
    `bare echo loop: ${fields.baseline_echo_calls ?? 'not measured'} calls (search ended: ${baseline.stop})`,
    `media gateway:  ${mediaCalls ?? 'not measured'} calls (search ended: ${media.stop}), pacing p99 ${fields.pacing_p99_ms ?? '-'} ms, ` +
      `${fields.cpu_pct_per_call ?? '-'} % CPU/call, ${memKb ?? '-'} KB RSS/call`,
  ];
  if (fields.media_error !== null) lines.push(`media gateway could not be measured: ${String(fields.media_error)}`);
  if (fields.baseline_error !== null) lines.push(`echo baseline could not be measured: ${String(fields.baseline_error)}`);
  if (baseline.stop === 'generator_limit' || media.stop === 'generator_limit') {
    lines.push('the load generator fell behind before the target failed: the figure is a lower bound');
  }
  lines.push(
    `load generator: at most ${fields.generator_max_cpu_pct ?? '-'} % of its core, send lateness p99 at most ` +
      `${fields.generator_max_send_lateness_p99_ms ?? '-'} ms over valid trials; ` +
      `driving ${fields.generator_probe_calls} calls (gen-probe row): ${fields.generator_probe_cpu_pct ?? '-'} % of its core, ` +
      `send lateness p99 ${fields.generator_probe_send_lateness_p99_ms ?? '-'} ms`,
    'targets:',
    formatTargets([
      {
        label: 'calls on one core',
        target: `>= ${CAPACITY_TARGETS.mediaCalls}`,
        measured: String(mediaCalls ?? '-'),
        met: mediaCalls === null ? null : mediaCalls >= CAPACITY_TARGETS.mediaCalls,
      },
      {
        label: 'media / bare echo',
        target: `>= ${CAPACITY_TARGETS.minRatio}`,
        measured: String(ratio ?? '-'),
        met: ratio === null ? null : ratio >= CAPACITY_TARGETS.minRatio,
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
