// Per VAD mode (energy, Silero behind the energy gate): false barge-ins per
// minute of agent speech and the detection delay of real ones, on the
// generated corpus (vad-corpus.ts), through the gateway's own barge-in
// detector and voice detectors. Simulated time: every 20 ms frame is
// processed in order, the Silero runs of each frame awaited before the next
// (a run takes well under a millisecond, a frame lasts 20), so the figures do
// not depend on the machine's load; the CPU they cost is measured apart.
//
// The agent talks all the time (its answer, looped); the caller's side always
// carries the agent's voice back at -18 dB after 40 ms (a phone's echo), plus:
// nothing, pink noise at three SNRs (against the caller's speech level),
// coughs, clicks, or backchannels ("mm-hm"). Every barge-in is a false one
// (the detector is then reset, as a cut turn would). For the delay, the
// caller's sentence starts every DETECT_EVERY_MS over the echo and the noise;
// delay is from its first voiced frame to the decision, a miss is no decision
// within DETECT_TIMEOUT_MS.
//
// Silero's cost: CPU time per second of audio for each mode over the same
// frames (the difference is Silero's), the share of 32 ms windows the gate let
// through, and the memory one call's Silero state takes.
import { BargeInDetector } from '../../media/conversation/barge-in.js';
import { energyDetectors, sileroDetectors } from '../../media/vad/call-voice-detectors.js';
import { sharedSileroModel } from '../../media/vad/silero-model.js';
import type { CallVoiceDetectors } from '../../media/vad/voice-detector.js';
import type { VadMode } from '../../media/contract/engines.js';
import type { BenchSection, SectionFields } from './bench-section.js';
import { activeLevelDbfs, makeVadCorpus, type VadCorpus } from './vad-corpus.js';

const FRAME = 160;
const FRAME_MS = 20;
const ECHO_GAIN = 10 ** (-18 / 20);
const ECHO_DELAY_FRAMES = 2;
const SNRS_DB = [20, 10, 5] as const;
const DETECT_EVERY_MS = 5_000;
const DETECT_TIMEOUT_MS = 1_500;
const MEMORY_CALLS = 300;

type Condition = 'echo' | `noise_${(typeof SNRS_DB)[number]}db` | 'coughs' | 'clicks' | 'backchannels';

interface Scenario {
  readonly condition: Condition;
  /** The caller's own sound at frame i (before the echo), or null. */
  readonly caller: (frame: number) => Int16Array | null;
  /** Frames where the caller's sentence starts (true barge-ins); empty: every barge-in is false. */
  readonly onsets: readonly number[];
}

function frameOf(clip: Int16Array, index: number, loop: boolean): Int16Array | null {
  const frames = Math.floor(clip.length / FRAME);
  if (!loop && index >= frames) return null;
  const at = (index % frames) * FRAME;
  return clip.subarray(at, at + FRAME);
}

function scaled(clip: Int16Array, gain: number): Int16Array {
  const out = new Int16Array(clip.length);
  for (let i = 0; i < clip.length; i += 1) out[i] = Math.max(-32768, Math.min(32767, Math.round(clip[i]! * gain)));
  return out;
}

/** The first 20 ms block of the clip louder than -45 dBFS (the sentence's audible onset). */
function voicedOnsetFrames(clip: Int16Array): number {
  for (let i = 0; i + FRAME <= clip.length; i += FRAME) {
    let sum = 0;
    for (let k = i; k < i + FRAME; k += 1) sum += clip[k]! * clip[k]!;
    if (10 * Math.log10(sum / FRAME / 32768 ** 2) > -45) return i / FRAME;
  }
  return 0;
}

interface ScenarioResult {
  falseBargeIns: number;
  agentTalkMs: number;
  delaysMs: number[];
  misses: number;
}

async function runScenario(detectors: CallVoiceDetectors, corpus: VadCorpus, scenario: Scenario, frames: number, speechOnsetFrames: number): Promise<ScenarioResult> {
  // As the gateway decides by default (BARGE_IN_PAUSE_MS=0): every event is a barge-in, none a pause.
  const detector = new BargeInDetector({ detector: detectors.create, pauseMinSpeechMs: 0 });
  const caller = new Int16Array(FRAME);
  const speechFrames = Math.floor(corpus.speech.length / FRAME);
  let falseBargeIns = 0;
  const delaysMs: number[] = [];
  let misses = 0;
  let pending: number | null = null;
  for (let i = 0; i < frames; i += 1) {
    const atMs = i * FRAME_MS;
    const agent = frameOf(corpus.agent, i, true)!;
    const echo = frameOf(corpus.agent, Math.max(0, i - ECHO_DELAY_FRAMES), true)!;
    const own = scenario.caller(i);
    const startedAt = scenario.onsets.findLast((onset) => onset <= i && i < onset + speechFrames);
    const speech = startedAt === undefined ? null : frameOf(corpus.speech, i - startedAt, false);
    if (startedAt === i) {
      if (pending !== null) misses += 1;
      pending = startedAt + speechOnsetFrames;
      detector.reset();
    }
    for (let k = 0; k < FRAME; k += 1) {
      const sample = echo[k]! * ECHO_GAIN + (own?.[k] ?? 0) + (speech?.[k] ?? 0);
      caller[k] = Math.max(-32768, Math.min(32767, Math.round(sample)));
    }
    const event = detector.process(caller, agent, atMs);
    await detectors.settled();
    if (pending !== null && i >= pending + DETECT_TIMEOUT_MS / FRAME_MS) {
      misses += 1;
      pending = null;
    }
    if (event === null) continue;
    if (pending !== null && event.decidedAtMs >= pending * FRAME_MS) {
      delaysMs.push(event.decidedAtMs - pending * FRAME_MS);
      pending = null;
    } else if (startedAt === undefined) falseBargeIns += 1;
    detector.reset();
  }
  return { falseBargeIns, agentTalkMs: frames * FRAME_MS, delaysMs, misses };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

export const vadSection: BenchSection = {
  name: 'vad',
  title: 'Barge-in per VAD mode on the generated corpus (energy, Silero)',
  async run(context): Promise<SectionFields> {
    const seconds = context.options.quick ? 30 : 120;
    const corpus = await makeVadCorpus(context.tempRoot, seconds);
    const model = await sharedSileroModel();
    const speechLevel = activeLevelDbfs(corpus.speech);
    const noiseLevel = activeLevelDbfs(corpus.noise);
    const frames = (seconds * 1000) / FRAME_MS;
    const speechOnsetFrames = voicedOnsetFrames(corpus.speech);
    const scenarios: Scenario[] = [
      { condition: 'echo', caller: () => null, onsets: [] },
      ...SNRS_DB.map((snr): Scenario => {
        const noise = scaled(corpus.noise, 10 ** ((speechLevel - snr - noiseLevel) / 20));
        return { condition: `noise_${snr}db`, caller: (i) => frameOf(noise, i, true), onsets: [] };
      }),
      { condition: 'coughs', caller: (i) => frameOf(corpus.coughs, i, true), onsets: [] },
      { condition: 'clicks', caller: (i) => frameOf(corpus.clicks, i, true), onsets: [] },
      { condition: 'backchannels', caller: (i) => frameOf(corpus.backchannels, i, true), onsets: [] },
    ];
    const detectionOnsets = Array.from({ length: Math.floor((seconds * 1000) / DETECT_EVERY_MS) }, (_, k) => 50 + (k * DETECT_EVERY_MS) / FRAME_MS);
    const fields: SectionFields = {};
    const cpuMsPerAudioS: Record<string, number> = {};
    for (const mode of ['energy', 'silero'] as const satisfies readonly VadMode[]) {
      const detectors = mode === 'energy' ? energyDetectors() : sileroDetectors(Promise.resolve(model), () => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      const cpuBefore = process.cpuUsage();
      let audioMs = 0;
      const perMin: Record<string, number> = {};
      for (const scenario of scenarios) {
        const result = await runScenario(detectors, corpus, scenario, frames, speechOnsetFrames);
        audioMs += result.agentTalkMs;
        perMin[scenario.condition] = round(result.falseBargeIns / (result.agentTalkMs / 60_000), 2);
      }
      const delays: number[] = [];
      const detection: Record<string, string> = {};
      for (const snr of [null, ...SNRS_DB]) {
        const noise = snr === null ? null : scaled(corpus.noise, 10 ** ((speechLevel - snr - noiseLevel) / 20));
        const result = await runScenario(detectors, corpus, { condition: 'echo', caller: (i) => (noise ? frameOf(noise, i, true) : null), onsets: detectionOnsets }, frames, speechOnsetFrames);
        audioMs += result.agentTalkMs;
        delays.push(...result.delaysMs);
        detection[snr === null ? 'clean' : `snr_${snr}db`] = `${result.delaysMs.length}/${result.delaysMs.length + result.misses} detected, p50 ${round(percentile(result.delaysMs, 50), 0)} ms`;
      }
      const cpu = process.cpuUsage(cpuBefore);
      cpuMsPerAudioS[mode] = (cpu.user + cpu.system) / 1000 / (audioMs / 1000);
      const totalFalse = Object.values(perMin).reduce((sum, value) => sum + value, 0) / scenarios.length;
      const stats = detectors.stats();
      detectors.close();
      context.print(`${mode}: false barge-ins per minute of agent speech ${JSON.stringify(perMin)}`);
      context.print(`${mode}: detection ${JSON.stringify(detection)}; delay p50 ${round(percentile(delays, 50), 0)} ms, p90 ${round(percentile(delays, 90), 0)} ms`);
      fields[`vad_${mode}_false_bargeins_per_min`] = perMin;
      fields[`vad_${mode}_false_bargeins_per_min_mean`] = round(totalFalse, 2);
      fields[`vad_${mode}_detection`] = detection;
      fields[`vad_${mode}_detection_delay_p50_ms`] = round(percentile(delays, 50), 0);
      fields[`vad_${mode}_detection_delay_p90_ms`] = round(percentile(delays, 90), 0);
      if (stats !== null) {
        const possible = audioMs / 32;
        fields.vad_silero_windows_evaluated_pct = round((stats.windows / possible) * 100);
        context.print(`silero: ${stats.windows} windows evaluated of ${Math.round(possible)} (${round((stats.windows / possible) * 100)} %: the energy gate's saving), ${stats.dropped} dropped, ${stats.failures} failed`);
      }
    }
    // One call's CPU: ms of CPU per second of call audio is also % of one core.
    fields.vad_energy_cpu_pct_per_call = round(cpuMsPerAudioS.energy! / 10, 3);
    fields.vad_silero_cpu_pct_per_call = round(cpuMsPerAudioS.silero! / 10, 3);
    fields.vad_silero_extra_cpu_pct_per_call = round((cpuMsPerAudioS.silero! - cpuMsPerAudioS.energy!) / 10, 3);
    fields.vad_silero_memory_kb_per_call = round(await sileroMemoryPerCallKb(model, corpus.speech), 1);
    context.print(
      `CPU per call (% of one core, agent talking all the time): energy ${String(fields.vad_energy_cpu_pct_per_call)}, silero ${String(fields.vad_silero_cpu_pct_per_call)} ` +
        `(Silero's own ${String(fields.vad_silero_extra_cpu_pct_per_call)}); Silero state per call ${String(fields.vad_silero_memory_kb_per_call)} KB`,
    );
    return fields;
  },
};

/** Heap and array buffers taken by MEMORY_CALLS calls' Silero detectors (two uses each, fed speech). */
async function sileroMemoryPerCallKb(model: Awaited<ReturnType<typeof sharedSileroModel>>, speech: Int16Array): Promise<number> {
  const used = (): number => {
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  global.gc?.();
  const before = used();
  const calls: CallVoiceDetectors[] = [];
  const uses: { classify(frame: Int16Array, atMs: number): boolean }[] = [];
  for (let i = 0; i < MEMORY_CALLS; i += 1) {
    const detectors = sileroDetectors(Promise.resolve(model), () => undefined);
    calls.push(detectors);
  }
  await new Promise((resolve) => setImmediate(resolve));
  for (const detectors of calls) uses.push(detectors.create(), detectors.create());
  for (let f = 0; f < 20; f += 1) {
    const frame = frameOf(speech, 40 + f, true)!;
    for (const use of uses) use.classify(frame, f * FRAME_MS);
    await Promise.all(calls.map((detectors) => detectors.settled()));
  }
  global.gc?.();
  const perCall = (used() - before) / MEMORY_CALLS / 1024;
  for (const detectors of calls) detectors.close();
  return perCall;
}
