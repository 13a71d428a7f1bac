// The capacity search on scripted trials: which counts it tries, what it
// reports, and that a trial the generator could not drive is never taken for
// the target's limit.
import { describe, expect, it } from 'vitest';
import type { TrialResult } from '../../../scripts/bench/capacity-trial.js';
import { searchCapacity, type SearchPlan } from '../../../scripts/bench/capacity-search.js';

type Verdict = 'pass' | 'fail' | 'invalid';

function trial(calls: number, verdict: Verdict): TrialResult {
  return {
    system: 'media',
    calls,
    pass: verdict === 'pass',
    valid: verdict !== 'invalid',
    noisy: false,
    reasons: verdict === 'pass' ? [] : [verdict === 'fail' ? 'gateway pacing p99 3.00 ms' : 'generator fell behind'],
    error: null,
    durationMs: 1_000,
    pacing: null,
    delayVariation: null,
    arrivalDeviation: null,
    generatorLateness: null,
    lostIn: 0,
    lostOut: 0,
    sentWindow: null,
    receivedWindow: null,
    lateTicks: 0,
    cpuPct: null,
    targetRunQueueWaitPct: null,
    generatorCpuPct: null,
    generatorRealtime: true,
    rssBeforeKb: null,
    rssAfterKb: null,
    rssKbPerCall: null,
  };
}

const PLAN: SearchPlan = { startCalls: 100, growthFactor: 2, resolution: 0.05, minStepCalls: 5, maxCalls: 12_000, budgetMs: 1_000_000 };

/** Runs the search against `verdictAt` (what the target and generator do at a count); every trial takes one simulated second. */
async function search(verdictAt: (calls: number) => Verdict) {
  let nowMs = 0;
  const tried: number[] = [];
  const outcome = await searchCapacity(PLAN, {
    nowMs: () => nowMs,
    runTrial: (calls) => {
      tried.push(calls);
      nowMs += 1_000;
      return Promise.resolve(trial(calls, verdictAt(calls)));
    },
  });
  return { outcome, tried };
}

describe('searchCapacity', () => {
  it('ramps, then bisects between the best pass and the lowest failure, retrying every failure once', async () => {
    const { outcome, tried } = await search((calls) => (calls <= 330 ? 'pass' : 'fail'));
    expect(outcome.stop).toBe('resolved');
    expect(outcome.unknownAbove).toBeNull();
    expect(outcome.maxCalls).toBeGreaterThanOrEqual(310);
    expect(outcome.maxCalls).toBeLessThanOrEqual(330);
    expect(outcome.lowestFail).toBeGreaterThan(330);
    expect(tried.slice(0, 4)).toEqual([100, 200, 400, 400]);
  });

  it('reports a generator that fell behind as an unknown above the best pass, not as the capacity', async () => {
    const { outcome } = await search((calls) => (calls < 380 ? 'pass' : 'invalid'));
    expect(outcome.stop).toBe('generator_limit');
    expect(outcome.lowestFail).toBeNull();
    expect(outcome.unknownAbove).toBe(380);
    expect(outcome.maxCalls).toBeLessThan(380);
  });

  it('does not let an invalid trial between a pass and a real failure end the search as if the target failed there', async () => {
    // The target fails from 400 up; the generator cannot drive 300 (and up): what lies in 300..400 is unknown.
    const { outcome } = await search((calls) => (calls >= 400 ? 'fail' : calls >= 300 ? 'invalid' : 'pass'));
    expect(outcome.lowestFail).toBe(400);
    expect(outcome.unknownAbove).toBe(300);
    expect(outcome.stop).toBe('generator_limit');
    expect(outcome.maxCalls).toBeLessThan(300);
  });

  it('takes a passing retry after an invalid trial (one hiccup of the generator does not end the ramp)', async () => {
    const seen = new Map<number, number>();
    const { outcome } = await search((calls) => {
      seen.set(calls, (seen.get(calls) ?? 0) + 1);
      if (calls === 200 && seen.get(calls) === 1) return 'invalid';
      return calls <= 250 ? 'pass' : 'fail';
    });
    expect(seen.get(200)).toBe(2);
    expect(outcome.unknownAbove).toBeNull();
    expect(outcome.stop).toBe('resolved');
    expect(outcome.maxCalls).toBeGreaterThanOrEqual(240);
  });
});
