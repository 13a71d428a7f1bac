// Turn latency histograms for GET /metrics: the breakdown of every agent turn
// from the end of the caller's speech (STT final, LLM first token, first TTS
// audio, first RTP packet = voice to voice).
import type { TurnLatency } from '../contract/backend.js';
import type { Metric } from '../metrics/prometheus.js';

/** Bucket upper bounds in seconds: telephone turn-taking lives between 0.2 and 3 s. */
const BUCKETS_S = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

const FIELDS: { key: keyof TurnLatency; name: string; help: string }[] = [
  { key: 'sttFinalMs', name: 'agent_turn_stt_final_seconds', help: 'End of caller speech to the final transcript.' },
  { key: 'llmFirstTokenMs', name: 'agent_turn_llm_first_token_seconds', help: 'End of caller speech to the first LLM token.' },
  { key: 'ttsFirstAudioMs', name: 'agent_turn_tts_first_audio_seconds', help: 'End of caller speech to the first TTS audio.' },
  { key: 'voiceToVoiceMs', name: 'agent_turn_voice_to_voice_seconds', help: 'End of caller speech to the first RTP packet of the answer.' },
];

class Histogram {
  readonly counts = new Array<number>(BUCKETS_S.length).fill(0);
  count = 0;
  sum = 0;

  record(seconds: number): void {
    this.count += 1;
    this.sum += seconds;
    for (let i = 0; i < BUCKETS_S.length; i += 1) if (seconds <= BUCKETS_S[i]!) this.counts[i]! += 1;
  }
}

/** Provider streams opened again after a drop, and LLM rounds asked again: a provider degrading shows here first. */
const RECOVERIES = {
  stt: { name: 'agent_stt_reconnects_total', help: 'Speech-to-text streams opened again after a drop.' },
  tts: { name: 'agent_tts_reconnects_total', help: 'Text-to-speech sessions opened again after a drop.' },
  llm: { name: 'agent_llm_round_retries_total', help: 'LLM rounds asked again after failing before they were heard.' },
} as const;

export type Recovery = keyof typeof RECOVERIES;

/** What became of the caller's sounds over the agent: a resumed pause was a cough, a click, a door. */
const BARGE_INS = {
  paused: { name: 'agent_bargein_paused_total', help: 'Agent turns paused by caller sound, awaiting confirmation.' },
  resumed: { name: 'agent_bargein_resumed_total', help: 'Paused agent turns resumed: no words and the caller went quiet.' },
  backchannel: { name: 'agent_bargein_backchannel_total', help: 'Paused agent turns resumed: the caller only said a backchannel such as "mm-hm".' },
  confirmed: { name: 'agent_bargein_total', help: 'Agent turns cut by the caller (barge-ins).' },
} as const;

export type BargeInOutcome = keyof typeof BARGE_INS;

export class TurnMetrics {
  readonly #histograms = new Map(FIELDS.map((field) => [field.key, new Histogram()]));
  readonly #recoveries: Record<Recovery, number> = { stt: 0, tts: 0, llm: 0 };
  readonly #bargeIns: Record<BargeInOutcome, number> = { paused: 0, resumed: 0, backchannel: 0, confirmed: 0 };

  /** A provider recovered on its own: a stream re-opened (stt, tts) or a round asked again (llm). */
  countRecovery(provider: Recovery): void {
    this.#recoveries[provider] += 1;
  }

  recoveries(provider: Recovery): number {
    return this.#recoveries[provider];
  }

  countBargeIn(outcome: BargeInOutcome): void {
    this.#bargeIns[outcome] += 1;
  }

  bargeIns(outcome: BargeInOutcome): number {
    return this.#bargeIns[outcome];
  }

  record(latency: TurnLatency): void {
    for (const field of FIELDS) {
      const ms = latency[field.key];
      if (ms !== null && ms >= 0) this.#histograms.get(field.key)!.record(ms / 1000);
    }
  }

  metrics(): Metric[] {
    const counters = (Object.keys(RECOVERIES) as Recovery[]).map(
      (key): Metric => ({ kind: 'counter', name: RECOVERIES[key].name, help: RECOVERIES[key].help, value: this.#recoveries[key] }),
    );
    const bargeIns = (Object.keys(BARGE_INS) as BargeInOutcome[]).map(
      (key): Metric => ({ kind: 'counter', name: BARGE_INS[key].name, help: BARGE_INS[key].help, value: this.#bargeIns[key] }),
    );
    return [...counters, ...bargeIns, ...this.#histogramMetrics()];
  }

  #histogramMetrics(): Metric[] {
    return FIELDS.map((field) => {
      const histogram = this.#histograms.get(field.key)!;
      return {
        kind: 'histogram',
        name: field.name,
        help: field.help,
        buckets: BUCKETS_S.map((le, i) => ({ le, count: histogram.counts[i]! })),
        count: histogram.count,
        sum: histogram.sum,
      };
    });
  }
}
