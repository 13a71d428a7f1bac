// Turn latency histograms for GET /metrics: the breakdown of every agent turn
// from the end of the caller's speech (STT final, LLM first token, first TTS
// audio, first RTP packet = voice to voice).
import type { TurnLatency } from '../contract/backend.js';
import type { HistogramMetric } from '../metrics/prometheus.js';

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

export class TurnMetrics {
  readonly #histograms = new Map(FIELDS.map((field) => [field.key, new Histogram()]));

  record(latency: TurnLatency): void {
    for (const field of FIELDS) {
      const ms = latency[field.key];
      if (ms !== null && ms >= 0) this.#histograms.get(field.key)!.record(ms / 1000);
    }
  }

  metrics(): HistogramMetric[] {
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
