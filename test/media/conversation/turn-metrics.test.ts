import { describe, expect, it } from 'vitest';
import { TurnMetrics } from '../../../media/conversation/turn-metrics.js';
import { renderMetrics, type HistogramMetric } from '../../../media/metrics/prometheus.js';

describe('TurnMetrics', () => {
  it('keeps one cumulative histogram per latency, in seconds, ignoring what was not measured', () => {
    const metrics = new TurnMetrics();
    metrics.record({ sttFinalMs: 150, llmFirstTokenMs: 400, ttsFirstAudioMs: 650, voiceToVoiceMs: 700 });
    metrics.record({ sttFinalMs: 90, llmFirstTokenMs: null, ttsFirstAudioMs: -5, voiceToVoiceMs: 4_000 });
    const histograms = metrics.metrics().filter((metric): metric is HistogramMetric => metric.kind === 'histogram');
    const byName = new Map(histograms.map((metric) => [metric.name, metric]));
    expect([...byName.keys()]).toEqual([
      'agent_turn_stt_final_seconds',
      'agent_turn_llm_first_token_seconds',
      'agent_turn_tts_first_audio_seconds',
      'agent_turn_voice_to_voice_seconds',
    ]);
    const stt = byName.get('agent_turn_stt_final_seconds')!;
    expect(stt.count).toBe(2);
    expect(stt.sum).toBeCloseTo(0.24, 10);
    expect(stt.buckets.find((bucket) => bucket.le === 0.1)!.count).toBe(1);
    expect(stt.buckets.find((bucket) => bucket.le === 0.2)!.count).toBe(2);
    expect(byName.get('agent_turn_llm_first_token_seconds')!.count).toBe(1);
    expect(byName.get('agent_turn_tts_first_audio_seconds')!.count).toBe(1);
    const voice = byName.get('agent_turn_voice_to_voice_seconds')!;
    expect(voice.buckets.find((bucket) => bucket.le === 3)!.count).toBe(1);
    expect(voice.buckets.find((bucket) => bucket.le === 5)!.count).toBe(2);
    // Cumulative: never decreasing.
    for (const metric of byName.values()) {
      const counts = metric.buckets.map((bucket) => bucket.count);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
  });

  it('counts provider recoveries as counters, each provider on its own', () => {
    const metrics = new TurnMetrics();
    metrics.countRecovery('stt');
    metrics.countRecovery('stt');
    metrics.countRecovery('llm');
    const counters = new Map(
      metrics
        .metrics()
        .flatMap((metric) => (metric.kind === 'counter' ? [[metric.name, metric.value] as const] : [])),
    );
    expect(counters).toEqual(
      new Map([
        ['agent_stt_reconnects_total', 2],
        ['agent_tts_reconnects_total', 0],
        ['agent_llm_round_retries_total', 1],
        ['agent_bargein_paused_total', 0],
        ['agent_bargein_resumed_total', 0],
        ['agent_bargein_backchannel_total', 0],
        ['agent_bargein_total', 0],
      ]),
    );
    expect(metrics.recoveries('stt')).toBe(2);
  });

  it('counts paused, resumed and confirmed barge-ins apart', () => {
    const metrics = new TurnMetrics();
    metrics.countBargeIn('paused');
    metrics.countBargeIn('paused');
    metrics.countBargeIn('resumed');
    metrics.countBargeIn('confirmed');
    const counters = new Map(metrics.metrics().flatMap((metric) => (metric.kind === 'counter' ? [[metric.name, metric.value] as const] : [])));
    expect(counters.get('agent_bargein_paused_total')).toBe(2);
    expect(counters.get('agent_bargein_resumed_total')).toBe(1);
    expect(counters.get('agent_bargein_total')).toBe(1);
    expect(metrics.bargeIns('resumed')).toBe(1);
  });
});

describe('renderMetrics (Prometheus text format 0.0.4)', () => {
  it('writes HELP, TYPE and samples, histograms with +Inf, sum and count', () => {
    const text = renderMetrics([
      { kind: 'counter', name: 'rtp_packets_in_total', help: 'Packets in.\nBoth ways \\ all sessions.', value: 12 },
      { kind: 'gauge', name: 'sessions', help: 'Open sessions.', value: Number.POSITIVE_INFINITY },
      { kind: 'histogram', name: 'latency_seconds', help: 'Latency.', buckets: [{ le: 0.1, count: 1 }, { le: 1, count: 3 }], count: 4, sum: 2.5 },
    ]);
    expect(text).toBe(
      [
        '# HELP rtp_packets_in_total Packets in.\\nBoth ways \\\\ all sessions.',
        '# TYPE rtp_packets_in_total counter',
        'rtp_packets_in_total 12',
        '# HELP sessions Open sessions.',
        '# TYPE sessions gauge',
        'sessions +Inf',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.1"} 1',
        'latency_seconds_bucket{le="1"} 3',
        'latency_seconds_bucket{le="+Inf"} 4',
        'latency_seconds_sum 2.5',
        'latency_seconds_count 4',
        '',
      ].join('\n'),
    );
  });
});
