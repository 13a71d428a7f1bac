// The conversation engines side by side (`--only engines`), each with
// zero-latency fakes so the figures are the gateway's own:
// - v2v overhead: from the end of the caller's turn as the engine sees it
//   (the cascade: the final transcript; Realtime: the server VAD's
//   speech_stopped and commit) to the first RTP packet of the answer, from the
//   turn rows (voiceToVoiceMs - sttFinalMs, both counted from the end of the
//   caller's speech). For Realtime it holds the round trip of our
//   response.create to the server, which the cascade has in its LLM request.
// - CPU per call: the gateway process's CPU time (/proc) over the calls'
//   duration (first call placed to last call ended), in % of one core, divided
//   by the concurrent calls. Each engine has its own gateway process.
// Several calls at once, each asking short questions one after the other;
// the first answer of each call warms the JIT and the connections and is left
// out. A new engine is one engine-bench-*.ts module and one entry in ENGINES.
import { finalCallRow, placeBridgedCall } from '../../test/kit/calls.js';
import { callerSpeechUlaw } from '../../test/kit/reference-media.js';
import { waitUntil } from '../../test/kit/wait.js';
import { DIALED } from './ai-latency-system.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { fieldSuffix, type EngineBench, type EngineBenchSystem } from './engine-bench.js';
import { cascadeEngineBench } from './engine-bench-cascade.js';
import { openAiRealtimeEngineBench } from './engine-bench-openai-realtime.js';
import { clockTicksPerSecond, machineBusyPercent, processCpuPercent, runQueueWaitPercent, sampleUsage } from './proc-sampler.js';
import { percentile, roundTo } from './quantile.js';

const ENGINES: readonly EngineBench[] = [cascadeEngineBench, openAiRealtimeEngineBench];

/** The first second of the recorded caller speech: one short question. */
const UTTERANCE_BYTES = 8_000;
const ANSWER = 'Sure.';
/** Rows and packets are polled: a short poll keeps the bench's pace close to a caller's. */
const POLL_MS = 20;
const TURN_TIMEOUT_MS = 15_000;

interface EngineFigures {
  readonly overheads: number[];
  readonly cpuPctPerCall: number;
  readonly callsSeconds: number;
  readonly rqwaitPct: number | null;
  readonly busyBeforePct: number;
}

export const enginesSection: BenchSection = {
  name: 'engines',
  title: 'Conversation engines: v2v overhead and gateway CPU per call (zero-latency fakes)',
  async run(context: BenchContext): Promise<SectionFields> {
    const calls = context.options.quick ? 3 : 6;
    const exchanges = context.options.quick ? 5 : 13;
    context.print(`${calls} concurrent calls per engine, ${exchanges} questions each (the first answer of each call left out)`);
    const fields: SectionFields = {};
    for (const engine of ENGINES) {
      const figures = await measureEngine(context, engine, calls, exchanges);
      const suffix = fieldSuffix(engine.name);
      const p50 = percentile(figures.overheads, 50);
      const p99 = percentile(figures.overheads, 99);
      context.print(
        `${engine.name.padEnd(16)} v2v overhead (from ${engine.turnEnd}) n=${figures.overheads.length}  p50 ${p50.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${Math.max(...figures.overheads).toFixed(1)} ms`,
      );
      context.print(
        `${' '.repeat(16)} gateway CPU ${figures.cpuPctPerCall.toFixed(2)} % of a core per call over ${figures.callsSeconds.toFixed(1)} s` +
          `  (rqwait ${figures.rqwaitPct === null ? 'n/a' : `${figures.rqwaitPct.toFixed(1)} %`}, machine busy before ${figures.busyBeforePct.toFixed(0)} %)`,
      );
      fields[`engine_v2v_overhead_p50_ms_${suffix}`] = roundTo(p50, 1);
      fields[`engine_v2v_overhead_p99_ms_${suffix}`] = roundTo(p99, 1);
      fields[`engine_cpu_pct_per_call_${suffix}`] = roundTo(figures.cpuPctPerCall, 2);
      fields[`engine_samples_${suffix}`] = figures.overheads.length;
      fields[`engine_rqwait_pct_${suffix}`] = figures.rqwaitPct === null ? null : roundTo(figures.rqwaitPct, 1);
      fields[`engine_machine_busy_pct_${suffix}`] = Math.round(figures.busyBeforePct);
    }
    fields.engine_concurrent_calls = calls;
    return fields;
  },
};

async function measureEngine(context: BenchContext, engine: EngineBench, calls: number, exchanges: number): Promise<EngineFigures> {
  // Before this engine's system starts: what else the machine is doing.
  const busyBeforePct = await machineBusyPercent(1_000);
  const bench = await engine.start(context);
  try {
    bench.answerWith(ANSWER);
    const pid = bench.system.gatewayPid;
    const before = sampleUsage([pid]);
    const perCall = await Promise.all(Array.from({ length: calls }, (_, index) => oneCall(bench, index, exchanges)));
    const after = sampleUsage([pid]);
    return {
      overheads: perCall.flat(),
      cpuPctPerCall: processCpuPercent(before, after, pid, clockTicksPerSecond()) / calls,
      callsSeconds: (after.atMs - before.atMs) / 1000,
      rqwaitPct: runQueueWaitPercent(before, after, pid),
      busyBeforePct,
    };
  } finally {
    await bench.stop();
  }
}

/** One call: greeting, then `exchanges` questions each once the agent is silent; the overheads of its answers but the first. */
async function oneCall(bench: EngineBenchSystem, index: number, exchanges: number): Promise<number[]> {
  const { system } = bench;
  const utterance = callerSpeechUlaw().subarray(0, UTTERANCE_BYTES);
  const { channelId, mediaId } = await placeBridgedCall(system.asterisk, { from: `+1555${String(3_000_000 + index)}`, to: DIALED }, { timeoutMs: 30_000, intervalMs: POLL_MS });
  const agentTurns = () => system.db.prisma.callTurn.findMany({ where: { call: { channelId }, role: 'agent' }, orderBy: { seq: 'asc' } });
  await waitUntil(async () => (await agentTurns()).length >= 1, { timeoutMs: TURN_TIMEOUT_MS, what: 'the greeting turn', intervalMs: POLL_MS });
  const overheads: number[] = [];
  for (let i = 0; i < exchanges; i += 1) {
    const answered = (await agentTurns()).length;
    // The agent is silent (digital silence) before the caller speaks: no barge-in, a clean turn.
    await waitUntil(() => system.asterisk.rtpHeard(mediaId).slice(-5).every((p) => p.rms === 0), { timeoutMs: TURN_TIMEOUT_MS, what: 'the agent to be silent', intervalMs: POLL_MS });
    bench.expectUtterance(`Question number ${i}.`);
    system.asterisk.startCallerAudio(mediaId, { payload: utterance });
    let answer: Awaited<ReturnType<typeof agentTurns>>[number] | undefined;
    await waitUntil(async () => (answer = (await agentTurns())[answered]) !== undefined, { timeoutMs: TURN_TIMEOUT_MS, what: `answer ${i + 1}`, intervalMs: POLL_MS });
    if (i > 0 && answer!.voiceToVoiceMs !== null && answer!.sttFinalMs !== null) overheads.push(answer!.voiceToVoiceMs - answer!.sttFinalMs);
  }
  system.asterisk.hangupCaller(channelId);
  await finalCallRow(system.db.prisma, channelId, { timeoutMs: TURN_TIMEOUT_MS, intervalMs: POLL_MS });
  return overheads;
}
