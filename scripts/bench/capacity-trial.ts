// One capacity trial: a fresh target process, N generator streams attached
// to it, warm-up, a measured window, drain, verdict. Every process of the
// trial is stopped before it returns, whatever happened.
import type { GatewayStats } from '../../media/contract/sessions.js';
import { LoadGenerator, type GeneratorResult, type GeneratorTiming } from './load-generator.js';
import { pacingQuantiles, subtractPacing, type Quantiles } from './pacing-histogram.js';
import { processCpuPercent, readRssKb, runQueueWaitPercent, sampleUsage, type UsageSample } from './proc-sampler.js';
import { waitUntil } from '../../test/kit/wait.js';
import type { TargetLauncher, TrialTarget } from './trial-target.js';
import { isNoisy, judgeTrial, type GatewayWindow } from './trial-verdict.js';

export interface TrialSetup {
  readonly generatorBinary: string;
  readonly payloadPath: string;
  readonly timing: GeneratorTiming;
  /** Core the generator is pinned to (null: not pinned); the target's placement is its launcher's. */
  readonly generatorCore: number | null;
  readonly ticksPerSecond: number;
}

export interface TrialResult {
  readonly system: string;
  readonly calls: number;
  readonly pass: boolean;
  readonly valid: boolean;
  /** Other processes took a noticeable share of the target's core (see LIMITS.noisyRunQueueWaitPct). */
  readonly noisy: boolean;
  readonly reasons: readonly string[];
  /** Set when the trial could not run to the end (the message). */
  readonly error: string | null;
  readonly durationMs: number;
  /** The gateway's own pacing over the window; null for the echo. */
  readonly pacing: Quantiles | null;
  /** Generator-measured delay variation of returning packets (pacing seen from outside). */
  readonly delayVariation: GeneratorResult['delay_variation_ms'] | null;
  /** Generator-measured |arrival interval - 20 ms| of returning packets. */
  readonly arrivalDeviation: GeneratorResult['deviation_ms'] | null;
  readonly generatorLateness: GeneratorResult['send_lateness_ms'] | null;
  readonly lostIn: number | null;
  readonly lostOut: number | null;
  readonly sentWindow: number | null;
  readonly receivedWindow: number | null;
  /** Gateway scheduler ticks more than one frame late in the window. */
  readonly lateTicks: number | null;
  /** Target process CPU (utime+stime, all threads) over the window, % of one core. */
  readonly cpuPct: number | null;
  /**
   * Share of the window the target's main thread was runnable but waiting for
   * its core: other processes' load. Well above 0 means a noisy machine.
   */
  readonly targetRunQueueWaitPct: number | null;
  readonly generatorCpuPct: number | null;
  /** Whether the generator ran SCHED_FIFO (immune to other processes on its core). */
  readonly generatorRealtime: boolean | null;
  readonly rssBeforeKb: number | null;
  readonly rssAfterKb: number | null;
  readonly rssKbPerCall: number | null;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** How long a failed step waits for the target's exit to be seen, to tell a death from a failure. */
const DEATH_NOTICE_MS = 2_000;

/**
 * What made a step fail: the target's death when it died (a read of its
 * /proc files then fails with ENOENT, which is not the cause), else `error`.
 */
async function causeOf(target: TrialTarget, error: unknown): Promise<unknown> {
  if (target.death() === null) {
    await waitUntil(() => target.death() !== null, { timeoutMs: DEATH_NOTICE_MS, intervalMs: 20, what: 'the target to exit' }).catch(() => undefined);
  }
  const death = target.death();
  return death === null ? error : new Error(`${death}\n(the step that failed: ${errorMessage(error)})`);
}

export async function runCapacityTrial(launcher: TargetLauncher, calls: number, setup: TrialSetup): Promise<TrialResult> {
  const startedMs = performance.now();
  const failed = (error: unknown, valid: boolean): TrialResult => ({
    ...emptyResult(launcher.name, calls),
    valid,
    reasons: [errorMessage(error).split('\n')[0]!],
    error: errorMessage(error),
    durationMs: performance.now() - startedMs,
  });
  let target: TrialTarget;
  try {
    target = await launcher.start();
  } catch (error) {
    return failed(error, true);
  }
  try {
    let rssBeforeKb: number;
    try {
      rssBeforeKb = readRssKb(target.pid);
    } catch (error) {
      return failed(await causeOf(target, error), true);
    }
    let generator: LoadGenerator;
    try {
      generator = await LoadGenerator.start({
        binary: setup.generatorBinary,
        streams: calls,
        payloadPath: setup.payloadPath,
        timing: setup.timing,
        core: setup.generatorCore,
      });
    } catch (error) {
      const cause = await causeOf(target, error);
      // The generator's own failure makes the trial invalid; the target's death does not.
      return failed(cause, cause !== error);
    }
    try {
      const measured = await measureWindow(target, generator);
      const verdict = judgeTrial({
        generator: measured.generator,
        gatewayWindow: measured.gatewayWindow,
        gatewayFinalPacketsIn: measured.finalStats?.packetsIn ?? null,
      });
      const { before, after } = measured.usage;
      const rssAfterKb = measured.rssAfterKb;
      const runQueueWaitPct = runQueueWaitPercent(before, after, target.pid);
      const cpuPct = processCpuPercent(before, after, target.pid, setup.ticksPerSecond);
      return {
        system: launcher.name,
        calls,
        pass: verdict.pass,
        valid: verdict.valid,
        noisy: isNoisy(runQueueWaitPct, cpuPct),
        reasons: verdict.reasons,
        error: null,
        durationMs: performance.now() - startedMs,
        pacing: measured.gatewayWindow?.pacing ?? null,
        delayVariation: measured.generator.delay_variation_ms,
        arrivalDeviation: measured.generator.deviation_ms,
        generatorLateness: measured.generator.send_lateness_ms,
        lostIn: verdict.lostIn,
        lostOut: verdict.lostOut,
        sentWindow: measured.generator.sent_window,
        receivedWindow: measured.generator.received_window,
        lateTicks: measured.gatewayWindow?.lateTicks ?? null,
        cpuPct,
        targetRunQueueWaitPct: runQueueWaitPct,
        generatorCpuPct: processCpuPercent(before, after, generator.pid, setup.ticksPerSecond),
        generatorRealtime: measured.generator.realtime,
        rssBeforeKb,
        rssAfterKb,
        rssKbPerCall: (rssAfterKb - rssBeforeKb) / calls,
      };
    } catch (error) {
      return failed(await causeOf(target, error), true);
    } finally {
      await generator.stop();
    }
  } finally {
    await target.stop();
  }
}

interface MeasuredWindow {
  readonly generator: GeneratorResult;
  readonly gatewayWindow: GatewayWindow | null;
  readonly finalStats: GatewayStats | null;
  readonly usage: { before: UsageSample; after: UsageSample };
  readonly rssAfterKb: number;
}

async function measureWindow(target: TrialTarget, generator: LoadGenerator): Promise<MeasuredWindow> {
  const pids = [target.pid, generator.pid];
  generator.go(await target.attach(generator.ports));
  await generator.windowStart();
  // Process samples first: the stats request itself costs the gateway CPU, equally in both snapshots.
  const before = sampleUsage(pids);
  const statsBefore = await target.stats();
  await generator.windowEnd();
  const after = sampleUsage(pids);
  const rssAfterKb = readRssKb(target.pid);
  const statsAfter = await target.stats();
  const result = await generator.result();
  // After the drain every packet the generator sent has had time to arrive.
  const finalStats = await target.stats();
  const gatewayWindow =
    statsBefore === null || statsAfter === null
      ? null
      : {
          packetsIn: statsAfter.packetsIn - statsBefore.packetsIn,
          packetsOut: statsAfter.packetsOut - statsBefore.packetsOut,
          lost: statsAfter.lost - statsBefore.lost,
          late: statsAfter.late - statsBefore.late,
          lateTicks: statsAfter.lateTicks - statsBefore.lateTicks,
          pacing: pacingQuantiles(subtractPacing(statsBefore.pacing, statsAfter.pacing)),
        };
  return { generator: result, gatewayWindow, finalStats, usage: { before, after }, rssAfterKb };
}

function emptyResult(system: string, calls: number): TrialResult {
  return {
    system,
    calls,
    pass: false,
    valid: true,
    noisy: false,
    reasons: [],
    error: null,
    durationMs: 0,
    pacing: null,
    delayVariation: null,
    arrivalDeviation: null,
    generatorLateness: null,
    lostIn: null,
    lostOut: null,
    sentWindow: null,
    receivedWindow: null,
    lateTicks: null,
    cpuPct: null,
    targetRunQueueWaitPct: null,
    generatorCpuPct: null,
    generatorRealtime: null,
    rssBeforeKb: null,
    rssAfterKb: null,
    rssKbPerCall: null,
  };
}
