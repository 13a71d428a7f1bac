// AI conversation latency with zero-latency provider fakes, so the figures
// are the system's own:
// - greeting after the answer (`greeting_after_answer_ms`): from Asterisk
//   receiving the answer request to the first voiced packet it receives; the
//   first call after the start is reported apart (`greeting_cold_ms`: the
//   business's phrases were prepared in the background at the start, so it is
//   the first call of the day, not the first synthesis); the older figure from
//   the externalMedia channel's creation (ring time included) is kept;
// - voice-to-voice minus endpointing (`v2v_minus_endpointing_p99_ms`): from
//   the end of the caller's speech in the RTP stream to the first voiced packet
//   of the answer Asterisk receives, minus the STT's endpointing (the silence it
//   must hear before its final transcript): everything of ours, jitter buffer
//   included, as the caller hears it;
// - voice-to-voice overhead: first RTP packet of the answer minus the final
//   transcript's arrival, from the turn records (both measured from the end of
//   the caller's speech): STT event handling, LLM request and stream, sentence
//   splitting, TTS, framing, playout and the send;
// - barge-in stop (`bargein_stop_ms`): from the caller's speech onset in the
//   RTP stream to the last agent packet Asterisk receives, with the speech-to-
//   text events in play (the fake's SpeechStarted and interim words are barge-in
//   evidence, BARGE_IN_STT_EVIDENCE=words); the decision time apart. The
//   decision is made on the caller's packets as they arrive (no jitter buffer
//   delay) after the speech it waits for (BARGE_IN_PAUSE_MS pauses the agent,
//   or BARGE_IN_STT_MIN_MS once the STT heard the speech start); the
//   interrupted turn ends at that pause. Then the stop after the decision: the
//   queue is cleared at once, so the last agent packet is at most a tick after it.
// The backend and the gateway run as their own processes (ai-latency-system.ts).
import { decodeUlaw } from '../../media/codec/g711.js';
import { callerSpeechUlaw } from '../../test/kit/reference-media.js';
import { sleep } from '../../test/kit/sleep.js';
import { waitUntil } from '../../test/kit/wait.js';
import { agentTurns, firstVoicedAfter, hangUp, placeCall, POLL_MS, type Utterance } from './ai-latency-calls.js';
import { GREETING, startAiLatencySystem, type AiLatencySystem as AiBenchSystem } from './ai-latency-system.js';
import { measureVoiceToVoice } from './ai-latency-v2v.js';
import { measureFalseBargeIns } from './false-bargein.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';

const LONG_ANSWER =
  'We are open Monday to Friday from eight in the morning until six in the evening, ' +
  'on Saturdays from nine until one, and we are closed on Sundays and public holidays. ' +
  'You can also book online at any time, and we will call you back to confirm.';

/**
 * The bench's own BARGE_IN_* variables go to the gateway: the barge-in figures of another setting
 * (BARGE_IN_PAUSE_MS=80 npm run bench -- --only ai-latency) without editing the defaults.
 */
function bargeInEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('BARGE_IN_') && entry[1] !== undefined));
}

export const aiLatencySection: BenchSection = {
  name: 'ai-latency',
  title: 'AI conversation latency (zero-latency provider fakes)',
  async run(context: BenchContext): Promise<SectionFields> {
    const quick = context.options.quick;
    const system = await startAiLatencySystem(context, bargeInEnvironment(), { realtime: context.options.realtimeTargets });
    try {
      const utterance = shortUtterance(callerSpeechUlaw());
      const greeting = await measureGreetings(system, quick ? 6 : 16);
      const v2v = await measureVoiceToVoice(system, utterance, quick ? 3 : 4, quick ? 5 : 13);
      const breakdown = v2v.samples;
      const overhead = breakdown.map((b) => b.total);
      const heardV2v = breakdown.map((b) => b.heard).filter((v): v is number => v !== null);
      const bargeIn = await measureBargeIn(system, utterance, quick ? 4 : 12);
      const falseBargeIns = await measureFalseBargeIns(system, context, quick ? 20_000 : 60_000);
      const rows: [string, number[], number][] = [
        ['greeting after the answer (warm)', greeting.afterAnswer.slice(1), 20],
        ['greeting first packet (warm cache)', greeting.warm, 150],
        ['voice-to-voice minus endpointing (heard)', heardV2v, 60],
        ['voice-to-voice overhead of our code', overhead, 10],
        ['  final transcript -> first LLM token', breakdown.map((b) => b.llm), Number.NaN],
        ['  first LLM token -> first TTS audio', breakdown.map((b) => b.tts), Number.NaN],
        ['  first TTS audio -> first RTP packet', breakdown.map((b) => b.send), Number.NaN],
        ['barge-in stop (speech onset -> last agent packet)', bargeIn.stop, Number.NaN],
        ['  of which the decision (VAD and STT evidence)', bargeIn.vad, Number.NaN],
        ['  stop after the decision', bargeIn.afterDecision, 20],
      ];
      context.print(`the fakes' event loop (this process) during the exchanges: delay p99 ${v2v.fakesLoopDelayP99Ms.toFixed(1)} ms, max ${v2v.fakesLoopDelayMaxMs.toFixed(1)} ms`);
      context.print(`greeting after the answer, first call after the start: ${greeting.afterAnswer[0]!.toFixed(1)} ms`);
      context.print(`greeting first packet, cold cache (first call): ${greeting.cold.toFixed(1)} ms`);
      context.print(`corpus speech over the agent: cut ${falseBargeIns.speechCut} of ${falseBargeIns.speechTrials} answers`);
      context.print(
        `false barge-ins (answers cut): ${falseBargeIns.count} in ${(falseBargeIns.agentTalkMs / 60_000).toFixed(2)} min of agent speech over noise, coughs and its own echo at -18 dB (${falseBargeIns.perMin.toFixed(2)}/min)`,
      );
      context.print(`answers paused for a sound and resumed: ${falseBargeIns.resumed} (${falseBargeIns.resumedPerMin.toFixed(2)}/min)`);
      for (const [label, values, target] of rows) {
        const t = Number.isNaN(target) ? '' : `   target p${label.startsWith('greeting') ? '100' : '99'} <= ${target} ms`;
        if (values.length === 0) {
          context.print(`${label.padEnd(52)} n=  0`);
          continue;
        }
        context.print(
          `${label.padEnd(52)} n=${String(values.length).padStart(3)}  p50 ${fmt(percentile(values, 50))}  p99 ${fmt(percentile(values, 99))}  max ${fmt(Math.max(...values))}${t}`,
        );
      }
      const warmAfterAnswer = greeting.afterAnswer.slice(1);
      return {
        greeting_after_answer_ms: round(percentile(warmAfterAnswer, 50)),
        greeting_after_answer_p99_ms: round(percentile(warmAfterAnswer, 99)),
        greeting_cold_ms: round(greeting.afterAnswer[0]!),
        v2v_minus_endpointing_p50_ms: round(percentile(heardV2v, 50)),
        v2v_minus_endpointing_p99_ms: round(percentile(heardV2v, 99)),
        false_bargeins_per_min: round(falseBargeIns.perMin),
        false_bargeins: falseBargeIns.count,
        false_bargeins_by_condition: falseBargeIns.byCondition,
        bargein_resumed_per_min: round(falseBargeIns.resumedPerMin),
        bargein_resumed: falseBargeIns.resumed,
        bargein_resumed_by_condition: falseBargeIns.resumedByCondition,
        bargein_corpus_speech_cut: `${falseBargeIns.speechCut}/${falseBargeIns.speechTrials}`,
        greeting_first_packet_ms: round(percentile(greeting.warm, 50)),
        greeting_first_packet_p99_ms: round(percentile(greeting.warm, 99)),
        greeting_first_packet_cold_ms: round(greeting.cold),
        v2v_overhead_p50_ms: round(percentile(overhead, 50)),
        v2v_overhead_p99_ms: round(percentile(overhead, 99)),
        v2v_fakes_loop_delay_p99_ms: round(v2v.fakesLoopDelayP99Ms),
        v2v_fakes_loop_delay_max_ms: round(v2v.fakesLoopDelayMaxMs),
        bargein_stop_ms: round(percentile(bargeIn.stop, 50)),
        bargein_stop_p99_ms: round(percentile(bargeIn.stop, 99)),
        vad_decision_ms: round(percentile(bargeIn.vad, 50)),
        bargein_stop_after_decision_ms: round(percentile(bargeIn.afterDecision, 50)),
        bargein_stop_after_decision_p99_ms: round(percentile(bargeIn.afterDecision, 99)),
        ai_latency_samples: { greeting: greeting.warm.length, v2v: overhead.length, bargein: bargeIn.stop.length },
      };
    } finally {
      await system.stop();
    }
  },
};

/** About 0.7 s of the recorded caller speech, starting 40 ms before its first voiced block. */
function shortUtterance(speech: Buffer): Utterance {
  const pcm = new Int16Array(speech.length);
  decodeUlaw(speech, pcm);
  let onset = 0;
  for (let i = 0; i + 80 <= pcm.length; i += 80) {
    if (rms(pcm.subarray(i, i + 80)) > 500) {
      onset = i;
      break;
    }
  }
  const start = Math.max(0, onset - 320);
  const audio = speech.subarray(start, start + 8 * 740);
  let end = 0;
  for (let i = start; i + 80 <= start + audio.length; i += 80) if (rms(pcm.subarray(i, i + 80)) > 500) end = i + 80;
  return { audio, onsetMs: (onset - start) / 8, endMs: (end - start) / 8 };
}

async function measureGreetings(system: AiBenchSystem, calls: number): Promise<{ cold: number; warm: number[]; afterAnswer: number[] }> {
  // The first call of the day: the business's phrases were prepared in the background since the start.
  await waitUntil(() => system.deepgram.flushes().some((f) => f.text === GREETING && f.outcome === 'flushed'), {
    timeoutMs: 30_000,
    what: 'the greeting to be prepared ahead of the calls',
    intervalMs: POLL_MS,
  });
  const samples: number[] = [];
  const afterAnswer: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const call = await placeCall(system);
    let heardAt: number | null = null;
    await waitUntil(() => (heardAt = firstVoicedAfter(system, call.mediaId, 0)) !== null, { timeoutMs: 10_000, what: 'the greeting', intervalMs: POLL_MS });
    samples.push(heardAt! - call.createdAtMs);
    const answer = system.asterisk.requests.find((r) => r.path === `/ari/channels/${call.channelId}/answer`);
    if (!answer) throw new Error('the greeting was heard before the call was answered');
    afterAnswer.push(heardAt! - answer.atMs);
    await hangUp(system, call.channelId);
  }
  return { cold: samples[0]!, warm: samples.slice(1), afterAnswer };
}

async function measureBargeIn(system: AiBenchSystem, utterance: Utterance, trials: number): Promise<{ stop: number[]; vad: number[]; afterDecision: number[] }> {
  system.openai.respond(() => ({ text: LONG_ANSWER }));
  const call = await placeCall(system);
  const stop: number[] = [];
  const vad: number[] = [];
  const afterDecision: number[] = [];
  await waitUntil(async () => (await agentTurns(system, call.channelId)).length >= 1, { timeoutMs: 10_000, what: 'the greeting turn', intervalMs: POLL_MS });
  // Ask once; every answer is long, and every trial interrupts the current one.
  system.deepgram.queueTranscripts(['When are you open?']);
  system.asterisk.startCallerAudio(call.mediaId, { payload: utterance.audio });
  let sinceMs = performance.now();
  for (let i = 0; i < trials; i += 1) {
    let answerHeardAt: number | null = null;
    await waitUntil(() => (answerHeardAt = firstVoicedAfter(system, call.mediaId, sinceMs + 1_000)) !== null, { timeoutMs: 15_000, what: 'the long answer', intervalMs: POLL_MS }).catch(async (error: unknown) => {
      const row = await system.db.prisma.callLog.findUnique({ where: { channelId: call.channelId }, include: { turns: { orderBy: { seq: 'asc' } } } });
      throw new Error(`${error instanceof Error ? error.message : String(error)} (trial ${i + 1} of ${trials}; call ${row?.status} ${row?.hangupCause ?? ''} ${row?.failure ?? ''}; last turns: ${row?.turns.slice(-3).map((t) => `${t.role}${t.interrupted ? '*' : ''}:${t.text.slice(0, 30)}`).join(' | ')})`);
    });
    // Interrupt somewhere in the first second of the answer.
    await sleep(200 + Math.random() * 800);
    const interruptedBefore = (await agentTurns(system, call.channelId)).filter((t) => t.interrupted).length;
    system.deepgram.queueTranscripts(['Sorry, one more thing.']);
    const sentAt = performance.now();
    system.asterisk.startCallerAudio(call.mediaId, { payload: utterance.audio });
    let interrupted: Awaited<ReturnType<typeof agentTurns>>[number] | undefined;
    await waitUntil(async () => {
      interrupted = (await agentTurns(system, call.channelId)).filter((t) => t.interrupted)[interruptedBefore];
      return interrupted !== undefined;
    }, { timeoutMs: 10_000, what: 'the barge-in', intervalMs: POLL_MS });
    // The fake's first packet leaves on its next 20 ms tick: the speech starts onsetMs after that packet.
    const onsetMs = (system.asterisk.callerAudioStartedAt(call.mediaId) ?? sentAt) + utterance.onsetMs;
    // Time for the packets sent around the decision to arrive before they are read.
    await sleep(300);
    const heard = system.asterisk.rtpHeard(call.mediaId).filter((p) => p.atMs >= answerHeardAt!);
    // After the barge-in the gateway sends digital silence (level 0); the synthetic voice itself
    // has quiet stretches, so only exact silence counts as stopped.
    const silentRun = heard.findIndex((p, k) => p.atMs > onsetMs && heard.slice(k, k + 10).every((q) => q.rms === 0));
    const lastVoiced = heard.slice(0, silentRun).reverse().find((p) => p.rms > 0);
    if (lastVoiced && silentRun >= 0) stop.push(Math.max(0, lastVoiced.atMs - onsetMs));
    // The interrupted turn ends at the decision that stopped it (the gateway's monotonic clock as
    // wall-clock time, ms resolution); this process's wall clock places it on its own monotonic
    // clock (both processes read the same system clocks). Not from the turn's duration added to
    // its first packet as heard here: that pairing put the decision 100-200 ms after the stop
    // itself, an impossible order.
    const decidedAtMs = interrupted!.endedAt!.getTime() - (Date.now() - performance.now());
    vad.push(decidedAtMs - onsetMs);
    if (lastVoiced && silentRun >= 0) afterDecision.push(lastVoiced.atMs - decidedAtMs);
    sinceMs = performance.now();
  }
  await hangUp(system, call.channelId);
  return { stop, vad, afterDecision };
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (value: number): number => Math.round(value * 10) / 10;
const fmt = (value: number): string => `${value.toFixed(1).padStart(7)} ms`;
