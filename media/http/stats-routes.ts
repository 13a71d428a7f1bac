// Gateway-wide statistics: GET /stats (JSON, for tools and the benchmark) and
// GET /metrics (Prometheus).
import type { FastifyInstance } from 'fastify';
import type { GatewayStats } from '../contract/sessions.js';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics, type Metric } from '../metrics/prometheus.js';
import { PacingHistogram } from '../rtp/pacing-histogram.js';
import type { SessionRegistry } from '../sessions/session-registry.js';

/** Pacing histogram bucket bounds exposed to Prometheus, in seconds. */
const PACING_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05];

export function registerStatsRoutes(app: FastifyInstance, sessions: SessionRegistry, extraMetrics: () => Metric[]): void {
  app.get('/stats', (): Promise<GatewayStats> => sessions.totals());

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', PROMETHEUS_CONTENT_TYPE);
    return renderMetrics([...gatewayMetrics(await sessions.totals()), ...extraMetrics()]);
  });
}

export function gatewayMetrics(stats: GatewayStats): Metric[] {
  const counter = (name: string, help: string, value: number): Metric => ({ kind: 'counter', name, help, value });
  const pacing = PacingHistogram.fromCounts(stats.pacing.counts, stats.pacing.resolutionMs);
  return [
    { kind: 'gauge', name: 'media_sessions', help: 'Media sessions open now.', value: stats.sessions },
    counter('media_rtp_packets_in_total', 'RTP packets accepted from Asterisk.', stats.packetsIn),
    counter('media_rtp_packets_out_total', 'RTP packets sent to Asterisk.', stats.packetsOut),
    counter('media_rtp_malformed_total', 'Datagrams from a session remote that were not valid RTP for it.', stats.malformed),
    counter('media_rtp_foreign_source_total', 'Datagrams from addresses no session expects (dropped).', stats.foreignSource),
    counter('media_rtp_lost_total', 'Inbound packets missing at playout time.', stats.lost),
    counter('media_rtp_late_total', 'Inbound packets that arrived after their playout time.', stats.late),
    counter('media_playout_underruns_total', 'Ticks where agent audio was due but not ready.', stats.playoutUnderruns),
    counter('media_clock_late_ticks_total', 'Media clock slots skipped because the event loop stalled.', stats.lateTicks),
    {
      kind: 'histogram',
      name: 'media_pacing_error_seconds',
      help: 'How far outbound RTP packets left from their 20 ms schedule.',
      buckets: PACING_BUCKETS_S.map((le) => ({ le, count: pacing.countAtOrBelow(le * 1000) })),
      count: pacing.count,
      sum: pacing.sumMs / 1000,
    },
  ];
}
