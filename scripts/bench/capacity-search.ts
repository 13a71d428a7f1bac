// Finds the most calls a target sustains: ramp up geometrically until a
// trial fails, then bisect between the best pass and the lowest failure
// until they are within the resolution, all inside a time budget.
//
// Every trial that does not pass is run once more, and the second verdict
// stands: one hiccup on a shared machine (another process, a stray stall)
// must not end the ramp. Twice invalid (the generator fell behind) says
// nothing about the target at that count: not a failure, and not a capacity.
// The search bisects below it and, unless a real failure lies below it, ends
// with 'generator_limit': the highest pass is then a lower bound, and the
// target is unknown from `unknownAbove` up.
import type { TrialResult } from './capacity-trial.js';

export interface SearchPlan {
  readonly startCalls: number;
  readonly growthFactor: number;
  /** Stop bisecting when (lowestFail - bestPass) <= resolution * lowestFail. */
  readonly resolution: number;
  readonly minStepCalls: number;
  readonly maxCalls: number;
  readonly budgetMs: number;
}

export type SearchStop = 'resolved' | 'budget' | 'max_calls' | 'generator_limit' | 'error';

export interface SearchOutcome {
  /** The highest passing call count, 0 when none passed. */
  readonly maxCalls: number;
  readonly best: TrialResult | null;
  /** The lowest failing call count, null when none failed. */
  readonly lowestFail: number | null;
  /**
   * The lowest count the generator could not drive (its trials invalid), when
   * no failure lies below it: maxCalls is then a lower bound, and what the
   * target does from here up is unknown. Null otherwise.
   */
  readonly unknownAbove: number | null;
  readonly trials: readonly TrialResult[];
  readonly stop: SearchStop;
}

export interface SearchDeps {
  readonly runTrial: (calls: number) => Promise<TrialResult>;
  readonly nowMs: () => number;
  /** Called after every trial (progress output). */
  readonly onTrial?: (trial: TrialResult) => void;
}

/** Round to a readable call count: multiples of 10 above 100, of 5 above 20. */
export function roundCalls(calls: number): number {
  const step = calls > 100 ? 10 : calls > 20 ? 5 : 1;
  return Math.max(1, Math.round(calls / step) * step);
}

interface SearchState {
  /** The highest passing trial. */
  best: TrialResult | null;
  /** The lowest count that failed. */
  lowestFail: number | null;
  /** The lowest count the generator could not drive; the search stays below it. */
  generatorCeiling: number | null;
}

export async function searchCapacity(plan: SearchPlan, deps: SearchDeps): Promise<SearchOutcome> {
  const startedMs = deps.nowMs();
  const trials: TrialResult[] = [];
  const state: SearchState = { best: null, lowestFail: null, generatorCeiling: null };

  const fitsBudget = (): boolean => {
    if (trials.length === 0) return true;
    const elapsedMs = deps.nowMs() - startedMs;
    const lastMs = trials[trials.length - 1]!.durationMs;
    return elapsedMs + lastMs <= plan.budgetMs;
  };
  /** The generator's ceiling, when it lies below every failure (the target's limit is then unknown). */
  const unknownAbove = (): number | null =>
    state.generatorCeiling !== null && (state.lowestFail === null || state.generatorCeiling < state.lowestFail) ? state.generatorCeiling : null;
  const outcome = (stop: SearchStop): SearchOutcome => ({
    maxCalls: state.best?.calls ?? 0,
    best: state.best,
    lowestFail: state.lowestFail,
    unknownAbove: unknownAbove(),
    trials,
    stop,
  });
  const finished = (): SearchOutcome => outcome(unknownAbove() !== null ? 'generator_limit' : 'resolved');

  /** Runs a trial, and once more if it did not pass. */
  const attempt = async (calls: number): Promise<TrialResult> => {
    let trial = await deps.runTrial(calls);
    trials.push(trial);
    deps.onTrial?.(trial);
    if (!trial.pass && trial.error === null && fitsBudget()) {
      trial = await deps.runTrial(calls);
      trials.push(trial);
      deps.onTrial?.(trial);
    }
    return trial;
  };
  const record = (trial: TrialResult): void => {
    if (!trial.valid) state.generatorCeiling = Math.min(state.generatorCeiling ?? Infinity, trial.calls);
    else if (trial.pass) state.best = trial;
    else state.lowestFail = Math.min(state.lowestFail ?? Infinity, trial.calls);
  };

  let calls = Math.min(plan.startCalls, plan.maxCalls);
  for (;;) {
    if (!fitsBudget()) return outcome('budget');
    const trial = await attempt(calls);
    // A set-up error before anything passed is not a capacity: stop and report it.
    if (trial.error !== null && state.best === null) return outcome('error');
    record(trial);
    if (!trial.valid || !trial.pass) break;
    if (calls >= plan.maxCalls) return outcome('max_calls');
    calls = Math.min(plan.maxCalls, roundCalls(calls * plan.growthFactor));
  }

  for (;;) {
    const low = state.best?.calls ?? 0;
    const high = Math.min(state.lowestFail ?? Infinity, state.generatorCeiling ?? Infinity);
    if (high - low <= Math.max(plan.resolution * high, plan.minStepCalls)) return finished();
    if (!fitsBudget()) return outcome('budget');
    const middle = roundCalls((low + high) / 2);
    if (middle <= low || middle >= high) return finished();
    record(await attempt(middle));
  }
}
