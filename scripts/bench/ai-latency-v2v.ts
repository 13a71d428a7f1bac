// Voice to voice on a few concurrent calls, each asking short questions one
// after the other once the agent is silent: the overhead of our code (the
// final transcript's arrival at the gateway -> the answer's first RTP packet,
// from the turn rows) split along the path, and the answer as the caller hears
// it (the end of the speech in the RTP stream -> the first voiced packet,
// minus the endpointing).
//
// The fakes answer the gateway from this process's event loop, so whatever
// else this process does while a turn runs is in the figures: the exchanges
// look only at the RTP the ARI fake heard (an array scan), and the turn rows
// are read once per call after its last exchange, not polled during the
// turns (a database poll costs this loop milliseconds of query building and
// decoding). The loop's own delay over the exchanges is reported beside the
// figures.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { waitUntil } from '../../test/kit/wait.js';
import { agentTurns, firstVoicedAfter, hangUp, placeCall, POLL_MS, type Utterance } from './ai-latency-calls.js';
import { STT_ENDPOINTING_MS, type AiLatencySystem } from './ai-latency-system.js';

export interface OverheadSample {
  total: number;
  /** Final transcript -> first LLM token. */
  llm: number;
  /** First LLM token -> first TTS audio. */
  tts: number;
  /** First TTS audio -> first RTP packet sent. */
  send: number;
  /** End of the caller's speech in the RTP stream -> first voiced answer packet heard, minus the endpointing. */
  heard: number | null;
}

export interface VoiceToVoice {
  readonly samples: OverheadSample[];
  /** This process's event loop delay over the exchanges (the fakes answer from it), in ms. */
  readonly fakesLoopDelayP99Ms: number;
  readonly fakesLoopDelayMaxMs: number;
}

/** Rows are written by the backend after each turn: the last one may follow the hang-up request by a moment. */
const TURN_ROWS_TIMEOUT_MS = 10_000;
/** Only after the exchanges: the pace matters little then. */
const TURN_ROWS_POLL_MS = 50;

export async function measureVoiceToVoice(system: AiLatencySystem, utterance: Utterance, calls: number, exchanges: number): Promise<VoiceToVoice> {
  system.openai.respond(() => ({ text: 'Sure.' }));
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  let talked: { channelId: string; heard: number[] }[];
  try {
    talked = await Promise.all(Array.from({ length: calls }, () => exchange(system, utterance, exchanges)));
  } finally {
    loopDelay.disable();
  }
  const samples: OverheadSample[] = [];
  for (const call of talked) {
    await hangUp(system, call.channelId, TURN_ROWS_POLL_MS);
    let turns: Awaited<ReturnType<typeof agentTurns>> = [];
    // The greeting's row, then one per exchange.
    await waitUntil(async () => (turns = await agentTurns(system, call.channelId)).length >= exchanges + 1, {
      timeoutMs: TURN_ROWS_TIMEOUT_MS,
      what: `${exchanges + 1} agent turns (the greeting and one answer per question)`,
      intervalMs: TURN_ROWS_POLL_MS,
    }).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; found ${turns.map((t) => `${t.interrupted ? '*' : ''}${t.text.slice(0, 20)}`).join(' | ')}`);
    });
    // The first exchange of each call warms the JIT and the connections: steady state only.
    for (let i = 1; i < exchanges; i += 1) {
      const t = turns[i + 1]!;
      if (t.voiceToVoiceMs === null || t.sttFinalMs === null || t.llmFirstTokenMs === null || t.ttsFirstAudioMs === null) continue;
      samples.push({
        total: t.voiceToVoiceMs - t.sttFinalMs,
        llm: t.llmFirstTokenMs - t.sttFinalMs,
        tts: t.ttsFirstAudioMs - t.llmFirstTokenMs,
        send: t.voiceToVoiceMs - t.ttsFirstAudioMs,
        heard: call.heard[i] ?? null,
      });
    }
  }
  return { samples, fakesLoopDelayP99Ms: loopDelay.percentile(99) / 1e6, fakesLoopDelayMaxMs: loopDelay.max / 1e6 };
}

/** One call's exchanges; what the caller heard of each answer, minus the endpointing. Left up for the turn rows. */
async function exchange(system: AiLatencySystem, utterance: Utterance, exchanges: number): Promise<{ channelId: string; heard: number[] }> {
  const call = await placeCall(system);
  await waitUntil(() => firstVoicedAfter(system, call.mediaId, 0) !== null, { timeoutMs: 10_000, what: 'the greeting', intervalMs: POLL_MS });
  const heard: number[] = [];
  for (let i = 0; i < exchanges; i += 1) {
    // The agent is silent (digital silence) before the caller speaks, so the first voiced packet after is the answer.
    await waitUntil(() => agentSilent(system, call.mediaId), { timeoutMs: 15_000, what: 'the agent to be silent', intervalMs: POLL_MS });
    system.deepgram.queueTranscripts([`Question number ${i}.`]);
    system.asterisk.startCallerAudio(call.mediaId, { payload: utterance.audio });
    let speechEndMs = 0;
    let answerHeardMs: number | null = null;
    await waitUntil(
      () => {
        // The fake's first packet leaves on its next 20 ms tick: the speech ends endMs after that packet.
        const startedMs = system.asterisk.callerAudioStartedAt(call.mediaId);
        if (startedMs === null) return false;
        speechEndMs = startedMs + utterance.endMs;
        return (answerHeardMs = firstVoicedAfter(system, call.mediaId, speechEndMs)) !== null;
      },
      { timeoutMs: 15_000, what: 'the answer to be heard', intervalMs: POLL_MS },
    );
    heard.push(answerHeardMs! - speechEndMs - STT_ENDPOINTING_MS);
  }
  // The last answer ends before the hang-up: a turn cut by it would be reported otherwise, or not at all.
  await waitUntil(() => agentSilent(system, call.mediaId), { timeoutMs: 15_000, what: 'the last answer to end', intervalMs: POLL_MS });
  return { channelId: call.channelId, heard };
}

/** The last packets heard are digital silence (the gateway's, between answers). */
function agentSilent(system: AiLatencySystem, mediaId: string): boolean {
  const heard = system.asterisk.rtpHeard(mediaId);
  return heard.length >= 5 && heard.slice(-5).every((p) => p.rms === 0);
}
