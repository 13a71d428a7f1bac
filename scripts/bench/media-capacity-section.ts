// Section "capacity": the most concurrent calls one gateway process sustains
// (50 RTP packets/s each way per call, zero loss, pacing p99 <= 2 ms), next
// to the same figure for a bare Node dgram echo loop on the same generator.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { callerSpeechUlawPath } from '../../test/kit/reference-media.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { runCapacityTrial, type TrialResult, type TrialSetup } from './capacity-trial.js';
import { roundCalls, searchCapacity, type SearchOutcome, type SearchPlan } from './capacity-search.js';
import { canPin, canRunRealtime, pinSelf } from './cpu-placement.js';
import { echoLauncher } from './echo-process.js';
import { gatewayLauncher } from './gateway-process.js';
import { compileLoadGenerator, type GeneratorTiming } from './load-generator.js';
import { clockTicksPerSecond, machineBusyPercent } from './proc-sampler.js';
import { capacityFields, summarizeCapacity } from './capacity-summary.js';
import { TABLE_LEGEND, trialRow, trialTableHeader } from './trial-report.js';
import type { TargetLauncher } from './trial-target.js';

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
  // A gateway trial takes 10-25 s (a fresh process each): 70 s ended the search after 200 and one 400.
  mediaBudgetMs: 120_000,
};

export const capacitySection: BenchSection = {
  name: 'capacity',
  title: 'Media gateway capacity (one process, one core) vs a bare dgram echo loop',
  run: runCapacitySection,
};

async function runCapacitySection(context: BenchContext): Promise<SectionFields> {
  const profile = context.options.quick ? QUICK : FULL;
  const generatorBinary = compileLoadGenerator(join(context.benchDir, 'rtp-load.c'), context.tempRoot);
  // Read before pinning this process: availableParallelism() follows its affinity.
  const cores = availableParallelism();
  const twoCores = cores >= 2 && canPin();
  const targetCore = twoCores ? 0 : null;
  const generatorCore = twoCores ? 1 : null;
  if (twoCores) pinSelf(1);
  else context.print('note: fewer than 2 cores or no taskset: target and generator share the CPU, figures are low');
  const setup: TrialSetup = {
    generatorBinary,
    payloadPath: callerSpeechUlawPath(),
    timing: profile.timing,
    generatorCore,
    ticksPerSecond: clockTicksPerSecond(),
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
      `target on core ${targetCore ?? '-'}${realtimeTargets ? ' (SCHED_FIFO, --rt: a gateway\'s media thread above its main thread, single-threaded GC)' : ''}, ` +
        `generator on core ${generatorCore ?? '-'}\n`,
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
  const echo = echoLauncher({ benchDir: context.benchDir, placement });
  const baseline = await search(echo, profile.baselineBudgetMs);
  const media = await search(
    gatewayLauncher({ tempRoot: context.tempRoot, placement }),
    profile.mediaBudgetMs,
  );
  const probe = await probeGenerator(echo, Math.max(baseline.maxCalls, media.maxCalls), setup);
  context.print(trialRow(probe));
  context.print(`\n${TABLE_LEGEND}\n`);
  const fields = {
    machine_busy_pct_before: Number(busyBeforePct.toFixed(1)),
    targets_realtime: realtimeTargets,
    ...capacityFields(baseline, media, probe),
  };
  context.print(summarizeCapacity(baseline, media, fields));
  return fields;
}

/** The generator-headroom probe drives this many times the highest capacity found. */
const PROBE_FACTOR = 1.5;

/**
 * The generator's own headroom: drive the bare echo well above the highest
 * capacity found (the echo may fail there; what counts is whether the
 * generator stayed on time and how much of its core it used).
 */
function probeGenerator(echo: TargetLauncher, highestCalls: number, setup: TrialSetup): Promise<TrialResult> {
  const calls = Math.min(MAX_CALLS, Math.max(roundCalls(PROBE_FACTOR * highestCalls), 400));
  return runCapacityTrial({ ...echo, name: 'gen-probe' }, calls, setup);
}

