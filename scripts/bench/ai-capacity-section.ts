// AI-call capacity of one gateway process (`--only ai-capacity`): trials of N
// concurrent AI calls, each speaking the recorded caller utterance and then
// waiting in silence, again and again, so that turns really happen: caller
// audio streams to the STT fake, every utterance goes through the LLM and TTS
// fakes, recording is on. The fakes, the ARI fake and the backend run outside
// the gateway's process and answer at once, so the gateway's figures are our
// cost. A trial passes with: no RTP lost, pacing p99 <= 2 ms, every caller
// utterance answered, voice-to-voice overhead p99 <= 50 ms. N ramps (5, 10, 20
// quick; 25 ... 400 full, past the 300-call target) until a trial fails twice
// or the next would overrun the section's budget; ai_max_calls is the last N
// that passed (a lower bound unless the search stopped on a failure).
//
// The load generator (ARI fake, provider fakes) shares the machine: on a small
// or busy machine it, not the gateway, may be what fails first. The run says
// how busy the machine was before the trials. With --rt the gateway's media
// thread and main thread run SCHED_FIFO (as in the capacity section), and so
// does this process's main thread one step below them: the ARI, Deepgram and
// OpenAI fakes in it are the load generator (the capacity section's generator
// runs SCHED_FIFO too), and every millisecond they wait for a core is in the
// voice-to-voice figures and the caller's packet timing.
import { finalCallRow, placeBridgedCall } from '../../test/kit/calls.js';
import { callerSpeechUlaw } from '../../test/kit/reference-media.js';
import { sleep } from '../../test/kit/sleep.js';
import { waitUntil } from '../../test/kit/wait.js';
import { bearer, GatewayLoad, GatewayStats } from '../../media/contract/sessions.js';
import { DIALED, startAiLatencySystem, type AiLatencySystem } from './ai-latency-system.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { canRunRealtime, makeNormal, makeRealtime, REALTIME_PRIORITY } from './cpu-placement.js';
import { gatewayNodeArgs, makeGatewayRealtime } from './gateway-process.js';
import { pacingQuantiles, subtractPacing } from './pacing-histogram.js';
import { clockTicksPerSecond, machineBusyPercent, readRssKb, sampleUsage, processCpuPercent } from './proc-sampler.js';

const PASS = { pacingP99Ms: 2, v2vOverheadP99Ms: 50 };
/** The ramp of call counts; the full one reaches past the 300-call target. */
const QUICK_SIZES = [5, 10, 20];
const FULL_SIZES = [25, 50, 100, 200, 300, 400];
/** The section's time budget: no trial starts that would likely end past it. */
const QUICK_BUDGET_MS = 120_000;
const FULL_BUDGET_MS = 480_000;
/** One utterance per call every this long (speech then silence). */
const UTTERANCE_EVERY_MS = 4_000;
/** The first second of the recorded caller speech: one short question. */
const UTTERANCE_BYTES = 8_000;

interface TrialResult {
  readonly calls: number;
  readonly passed: boolean;
  readonly reasons: string[];
  readonly cpuPct: number;
  readonly rssKb: number;
  readonly lagP99Ms: number;
  readonly pacingP99Ms: number;
  readonly lost: number;
  readonly asked: number;
  readonly answered: number;
  readonly v2vOverheadP99Ms: number;
  readonly durationMs: number;
}

export const aiCapacitySection: BenchSection = {
  name: 'ai-capacity',
  title: 'AI-call capacity of one gateway process (instant provider fakes)',
  async run(context: BenchContext): Promise<SectionFields> {
    const quick = context.options.quick;
    const sizes = quick ? QUICK_SIZES : FULL_SIZES;
    const windowMs = quick ? 8_000 : 16_000;
    const budgetMs = quick ? QUICK_BUDGET_MS : FULL_BUDGET_MS;
    const sectionStartMs = performance.now();
    const busyBefore = await machineBusyPercent(1_000);
    context.print(`machine busy before the trials: ${busyBefore.toFixed(0)} % of all cores`);
    const realtime = context.options.realtimeTargets && canRunRealtime();
    if (context.options.realtimeTargets && !realtime) context.print('note: --rt ignored: chrt -f is not permitted here');
    // A --rt gateway gets the capacity section's flags (single-threaded GC: see gateway-process.ts).
    const system = await startAiLatencySystem(context, { MEDIA_MAX_SESSIONS: String(Math.max(...sizes) + 10) }, { gatewayNodeArgs: gatewayNodeArgs(realtime) });
    let generatorRealtime = false;
    try {
      if (realtime) {
        const { mediaThreadId } = makeGatewayRealtime(system.gatewayPid);
        makeRealtime(process.pid, REALTIME_PRIORITY - 1);
        generatorRealtime = true;
        context.print(`gateway ${system.gatewayPid}: media thread ${mediaThreadId} and main thread SCHED_FIFO, single-threaded GC; the fakes' thread below them (--rt)`);
      }
      system.openai.respond(() => ({ text: 'Sure, we can do that.' }));
      const idleRssKb = readRssKb(system.gatewayPid);
      const results: TrialResult[] = [];
      let stop: 'failed' | 'capped' | 'budget' = 'capped';
      for (const calls of sizes) {
        // The next trial is at least as long as the last one: stop rather than overrun the budget.
        const lastMs = results.at(-1)?.durationMs ?? 0;
        if (performance.now() - sectionStartMs + lastMs > budgetMs) {
          stop = 'budget';
          break;
        }
        let result = await trial(system, calls, windowMs);
        if (!result.passed) {
          // One hiccup of a shared machine does not end the ramp: the second verdict stands.
          context.print(`${String(calls).padStart(4)} calls: FAIL (${result.reasons.join('; ')}), once more`);
          result = await trial(system, calls, windowMs);
        }
        results.push(result);
        context.print(
          `${String(calls).padStart(4)} calls: ${result.passed ? 'pass' : 'FAIL'}  cpu ${result.cpuPct.toFixed(0)} %  rss ${(result.rssKb / 1024).toFixed(0)} MB  ` +
            `lag p99 ${result.lagP99Ms.toFixed(1)} ms  pacing p99 ${result.pacingP99Ms.toFixed(1)} ms  lost ${result.lost}  ` +
            `answered ${result.answered}/${result.asked}  v2v overhead p99 ${result.v2vOverheadP99Ms.toFixed(1)} ms${result.reasons.length ? `  (${result.reasons.join('; ')})` : ''}`,
        );
        if (!result.passed) {
          stop = 'failed';
          break;
        }
      }
      const best = [...results].reverse().find((result) => result.passed) ?? null;
      return {
        ai_max_calls: best?.calls ?? 0,
        cpu_pct_per_ai_call: best ? round(best.cpuPct / best.calls, 3) : null,
        mem_kb_per_ai_call: best ? Math.round(Math.max(0, best.rssKb - idleRssKb) / best.calls) : null,
        event_loop_lag_p99_ms: best ? round(best.lagP99Ms, 1) : null,
        ai_v2v_overhead_p99_ms_at_max: best ? round(best.v2vOverheadP99Ms, 1) : null,
        ai_capacity_search_capped: best !== null && best.calls === Math.max(...sizes),
        // failed: the figure is the last pass below a failure; capped or budget: a lower bound.
        ai_capacity_search_stop: stop,
        ai_capacity_machine_busy_pct: Math.round(busyBefore),
        ai_capacity_realtime: realtime,
        // Every trial's own figures: the cost per call is read from them even when no trial passed.
        ai_capacity_trials: results.map((result) => ({
          calls: result.calls,
          passed: result.passed,
          cpu_pct_per_call: round(result.cpuPct / result.calls, 2),
          rss_kb: result.rssKb,
          lag_p99_ms: result.lagP99Ms,
          pacing_p99_ms: round(result.pacingP99Ms, 1),
          lost: result.lost,
          answered: `${result.answered}/${result.asked}`,
          v2v_overhead_p99_ms: round(result.v2vOverheadP99Ms, 1),
        })),
      };
    } finally {
      // The sections after this one, and the system's shutdown, run at normal priority.
      if (generatorRealtime) makeNormal(process.pid);
      await system.stop();
    }
  },
};

async function trial(system: AiLatencySystem, calls: number, windowMs: number): Promise<TrialResult> {
  const utterance = callerSpeechUlaw().subarray(0, UTTERANCE_BYTES);
  const trialStartMs = performance.now();
  const placed: { channelId: string; mediaId: string }[] = [];
  // One after the other: a call's set-up is the backend's work, which the trial does not measure.
  for (let i = 0; i < calls; i += 1) {
    placed.push(await placeBridgedCall(system.asterisk, { from: `+1555${String(2_000_000 + i)}`, to: DIALED }, { timeoutMs: 30_000 }));
  }
  const callIds = await waitGreeted(system, placed.map((call) => call.channelId));
  const statsBefore = await gatewayGet(system, '/stats', GatewayStats);
  const usageBefore = sampleUsage([system.gatewayPid]);
  const startedAt = new Date();
  let lagP99Ms = 0;
  let asked = 0;
  const endAt = performance.now() + windowMs;
  // Each call speaks at its own offset in the cycle, so utterances are spread over time.
  const speakers = placed.map(async (call, index) => {
    await sleep((index / calls) * UTTERANCE_EVERY_MS);
    while (performance.now() + UTTERANCE_EVERY_MS <= endAt) {
      system.deepgram.queueTranscripts(['Can I book a cleaning on Thursday?']);
      system.asterisk.startCallerAudio(call.mediaId, { payload: utterance });
      asked += 1;
      await sleep(UTTERANCE_EVERY_MS);
    }
  });
  const lagWatch = (async () => {
    while (performance.now() < endAt) {
      lagP99Ms = Math.max(lagP99Ms, (await gatewayGet(system, '/load', GatewayLoad)).eventLoopLagP99Ms);
      await sleep(1_000);
    }
  })();
  await Promise.all([...speakers, lagWatch]);
  const usageAfter = sampleUsage([system.gatewayPid]);
  const rssKb = readRssKb(system.gatewayPid);
  // The last answers arrive after the window: wait for them (or for the bound that makes them missing).
  await waitUntil(async () => (await answeredSince(system, callIds, startedAt)).answered >= asked, { timeoutMs: 10_000 }).catch(() => undefined);
  const statsAfter = await gatewayGet(system, '/stats', GatewayStats);
  const { answered, overheads } = await answeredSince(system, callIds, startedAt);
  for (const call of placed) system.asterisk.hangupCaller(call.channelId);
  for (const call of placed) await finalCallRow(system.db.prisma, call.channelId, { timeoutMs: 30_000 });

  const pacing = pacingQuantiles(subtractPacing(statsBefore.pacing, statsAfter.pacing));
  const lost = statsAfter.lost - statsBefore.lost;
  const v2vOverheadP99Ms = percentile(overheads, 99);
  const reasons: string[] = [];
  if (lost > 0) reasons.push(`${lost} packets lost`);
  if (pacing.p99 > PASS.pacingP99Ms) reasons.push(`pacing p99 ${round(pacing.p99, 1)} ms`);
  if (answered < asked) reasons.push(`${asked - answered} utterances unanswered`);
  if (!(v2vOverheadP99Ms <= PASS.v2vOverheadP99Ms)) reasons.push(`v2v overhead p99 ${round(v2vOverheadP99Ms, 1)} ms`);
  return {
    calls,
    passed: reasons.length === 0,
    reasons,
    cpuPct: processCpuPercent(usageBefore, usageAfter, system.gatewayPid, clockTicksPerSecond()),
    rssKb,
    lagP99Ms,
    pacingP99Ms: pacing.p99,
    lost,
    asked,
    answered,
    v2vOverheadP99Ms,
    durationMs: performance.now() - trialStartMs,
  };
}

/** The calls' ids once every call's greeting turn is stored. */
async function waitGreeted(system: AiLatencySystem, channelIds: string[]): Promise<string[]> {
  let ids: string[] = [];
  await waitUntil(
    async () => {
      const rows = await system.db.prisma.callLog.findMany({ where: { channelId: { in: channelIds } }, select: { id: true, turns: { select: { seq: true } } } });
      ids = rows.map((row) => row.id);
      return rows.length === channelIds.length && rows.every((row) => row.turns.length >= 1);
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'every call to be greeted' },
  );
  return ids;
}

/** Agent answers (not the greeting) that started after `since`, with their overhead (first packet minus final transcript). */
async function answeredSince(system: AiLatencySystem, callIds: string[], since: Date): Promise<{ answered: number; overheads: number[] }> {
  const turns = await system.db.prisma.callTurn.findMany({
    where: { callId: { in: callIds }, role: 'agent', startedAt: { gte: since }, sttFinalMs: { not: null } },
    select: { voiceToVoiceMs: true, sttFinalMs: true },
  });
  const overheads = turns.filter((t) => t.voiceToVoiceMs !== null).map((t) => t.voiceToVoiceMs! - t.sttFinalMs!);
  return { answered: turns.length, overheads };
}

async function gatewayGet<T>(system: AiLatencySystem, path: string, schema: { parse(value: unknown): T }): Promise<T> {
  const response = await fetch(`${system.gatewayUrl}${path}`, { headers: { authorization: bearer(system.gatewayToken) } });
  if (!response.ok) throw new Error(`gateway ${path} answered ${response.status}`);
  return schema.parse(await response.json());
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
