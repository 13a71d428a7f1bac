// The self-hosted engine with zero-latency fakes (the OpenAI fake plays the
// transcription, chat and speech servers; the backend and gateway each in
// their own process): the voice-to-voice overhead of our own code (first RTP
// packet of the answer minus the transcript's arrival) and its breakdown, and
// the gateway's CPU per call while CALLS calls talk at once. The engine cuts
// utterances itself, so the transcript arrives after the VAD's end of speech
// (STT_ENDPOINTING_MS) plus the request: what the figure leaves out.
import { callerSpeechUlaw } from '../../test/kit/reference-media.js';
import { finalCallRow, placeBridgedCall } from '../../test/kit/calls.js';
import { waitUntil } from '../../test/kit/wait.js';
import { DIALED, startAiLatencySystem, type AiLatencySystem } from './ai-latency-system.js';
import { useEngine } from './engine-bench.js';
import type { BenchSection, SectionFields } from './bench-section.js';
import { clockTicksPerSecond, processCpuPercent, sampleUsage } from './proc-sampler.js';

const POLL_MS = 5;
/** Seconds of caller audio in each utterance: the recorded caller's first 2 s. */
const UTTERANCE_BYTES = 2 * 8000;
const SILENCE_MS = 1_500;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (value: number): number => Math.round(value * 10) / 10;

async function agentTurns(system: AiLatencySystem, channelId: string) {
  return system.db.prisma.callTurn.findMany({ where: { call: { channelId }, role: 'agent' }, orderBy: { seq: 'asc' } });
}

/** One call asking `exchanges` questions in turn; the overhead of each answer after the first. */
async function converse(system: AiLatencySystem, utterance: Buffer, exchanges: number): Promise<{ total: number; llm: number; tts: number; send: number }[]> {
  // A machine busy with other work sets calls up slowly: the setup is not what is measured.
  const { channelId, mediaId } = await placeBridgedCall(system.asterisk, { from: '+15551230000', to: DIALED }, { intervalMs: POLL_MS, timeoutMs: 60_000 });
  await waitUntil(async () => (await agentTurns(system, channelId)).length >= 1, { timeoutMs: 60_000, what: 'the greeting', intervalMs: POLL_MS });
  const samples: { total: number; llm: number; tts: number; send: number }[] = [];
  for (let i = 0; i < exchanges; i += 1) {
    await waitUntil(() => system.asterisk.rtpHeard(mediaId).slice(-5).every((p) => p.rms === 0), { timeoutMs: 20_000, what: 'the agent to be silent', intervalMs: POLL_MS });
    const before = (await agentTurns(system, channelId)).length;
    system.asterisk.startCallerAudio(mediaId, { payload: utterance });
    let turn: Awaited<ReturnType<typeof agentTurns>>[number] | undefined;
    await waitUntil(async () => (turn = (await agentTurns(system, channelId))[before]) !== undefined, { timeoutMs: 20_000, what: 'the answer', intervalMs: 20 });
    const t = turn!;
    if (i > 0 && t.voiceToVoiceMs !== null && t.sttFinalMs !== null && t.llmFirstTokenMs !== null && t.ttsFirstAudioMs !== null) {
      samples.push({ total: t.voiceToVoiceMs - t.sttFinalMs, llm: t.llmFirstTokenMs - t.sttFinalMs, tts: t.ttsFirstAudioMs - t.llmFirstTokenMs, send: t.voiceToVoiceMs - t.ttsFirstAudioMs });
    }
  }
  system.asterisk.hangupCaller(channelId);
  await finalCallRow(system.db.prisma, channelId, { intervalMs: POLL_MS });
  return samples;
}

export const selfHostedSection: BenchSection = {
  name: 'self-hosted',
  title: 'Self-hosted engine (zero-latency fakes): voice-to-voice overhead, CPU per call, per VAD mode',
  async run(context): Promise<SectionFields> {
    const quick = context.options.quick;
    const calls = quick ? 3 : 6;
    const exchanges = quick ? 4 : 8;
    const speech = callerSpeechUlaw();
    const utterance = Buffer.concat([speech.subarray(0, UTTERANCE_BYTES), Buffer.alloc(8 * SILENCE_MS, 0xff)]);
    const fields: SectionFields = {};
    for (const vadMode of ['energy', 'silero'] as const) {
      const system = await startAiLatencySystem(context, { AI_DEFAULT_ENGINE: 'self-hosted', AI_DEFAULT_VAD_MODE: vadMode });
      try {
        // The backend sends the business's own engine and detector with each session.
        await useEngine(system, 'self-hosted', {});
        await system.db.prisma.business.updateMany({ where: { phoneNumbers: { some: { e164: DIALED } } }, data: { vadMode } });
        system.openai.transcribe(() => 'When are you open?');
        system.openai.respond(() => ({ text: 'Sure.' }));
        const ticks = clockTicksPerSecond();
        const before = sampleUsage([system.gatewayPid]);
        const startedAt = performance.now();
        const samples = (await Promise.all(Array.from({ length: calls }, () => converse(system, utterance, exchanges)))).flat();
        const after = sampleUsage([system.gatewayPid]);
        const elapsedS = (performance.now() - startedAt) / 1000;
        const cpuPct = processCpuPercent(before, after, system.gatewayPid, ticks);
        const total = samples.map((s) => s.total);
        context.print(
          `${vadMode}: v2v overhead n=${total.length} p50 ${percentile(total, 50).toFixed(1)} ms p99 ${percentile(total, 99).toFixed(1)} ms ` +
            `(transcript->LLM ${percentile(samples.map((s) => s.llm), 50).toFixed(1)}, LLM->TTS ${percentile(samples.map((s) => s.tts), 50).toFixed(1)}, TTS->RTP ${percentile(samples.map((s) => s.send), 50).toFixed(1)}); ` +
            `gateway CPU ${cpuPct.toFixed(1)} % of a core for ${calls} calls over ${elapsedS.toFixed(0)} s = ${(cpuPct / calls).toFixed(2)} % per call`,
        );
        fields[`self_hosted_${vadMode}_v2v_overhead_p50_ms`] = round(percentile(total, 50));
        fields[`self_hosted_${vadMode}_v2v_overhead_p99_ms`] = round(percentile(total, 99));
        fields[`self_hosted_${vadMode}_cpu_pct_per_call`] = round((cpuPct / calls) * 100) / 100;
        fields[`self_hosted_${vadMode}_transcriptions`] = system.openai.transcriptionRequests().length;
      } finally {
        await system.stop();
      }
    }
    return fields;
  },
};
