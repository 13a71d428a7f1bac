// docker/grafana/prosaas-voice.json: every query names metrics the backend and
// the media gateway really expose (read from the programs' own metric code), and
// the dashboard covers what an operator watches across machines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendMetrics } from '../../src/cluster/backend-metrics.js';
import { gatewayMetrics } from '../../media/http/stats-routes.js';
import { ProcessMetrics } from '../../media/metrics/process-metrics.js';
import { renderMetrics } from '../../media/metrics/prometheus.js';
import { TurnMetrics } from '../../media/conversation/turn-metrics.js';
import { PROJECT_ROOT } from '../support/deploy-fixture.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
}

const DASHBOARD = join(PROJECT_ROOT, 'docker/grafana/prosaas-voice.json');
/** PromQL words that are not metric names: functions, aggregations, modifiers, the labels we group by. */
const NOT_METRICS = new Set([
  'sum', 'max', 'min', 'avg', 'by', 'without', 'rate', 'increase', 'histogram_quantile', 'clamp_min', 'le', 'node', 'instance', 'job', 'provider',
]);

const backendMetrics = new BackendMetrics();
const processMetrics = new ProcessMetrics();
afterAll(() => {
  backendMetrics.close();
  processMetrics.close();
});

/** Every series name the programs expose (histograms as _bucket, _sum and _count). */
function exposedSeries(): Set<string> {
  const text = [
    backendMetrics.render(),
    renderMetrics([
      ...gatewayMetrics({ sessions: 0, foreignSource: 0, packetsIn: 0, packetsOut: 0, malformed: 0, lost: 0, late: 0, playoutUnderruns: 0, lateTicks: 0, pacing: { resolutionMs: 1, counts: [0, 0] } }),
      ...processMetrics.metrics([]),
      ...new TurnMetrics().metrics(),
    ]),
  ].join('\n');
  // From the TYPE lines: a family without samples yet (no node held) is still exposed.
  const names = new Set<string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name!}${suffix}`);
    else names.add(name!);
  }
  return names;
}

/** The metric names a PromQL expression reads (label values, strings and ranges removed). */
function metricNames(expr: string): string[] {
  const bare = expr.replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '').replace(/\$__\w+/g, '');
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((word) => !NOT_METRICS.has(word));
}

function dashboardProblems(dashboard: Dashboard, exposed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const ids = new Set<number>();
  if (!dashboard.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource')) problems.push('no datasource variable');
  for (const panel of dashboard.panels) {
    if (ids.has(panel.id)) problems.push(`panel id ${panel.id} is used twice`);
    ids.add(panel.id);
    if (panel.gridPos.x + panel.gridPos.w > 24) problems.push(`panel "${panel.title}" is wider than the grid`);
    if (panel.type === 'row') continue;
    if (panel.datasource?.uid !== '${datasource}') problems.push(`panel "${panel.title}" does not use the datasource variable`);
    if (!panel.targets || panel.targets.length === 0) problems.push(`panel "${panel.title}" has no query`);
    for (const target of panel.targets ?? []) {
      for (const name of metricNames(target.expr)) {
        if (!exposed.has(name)) problems.push(`panel "${panel.title}": ${name} is exposed by neither program`);
      }
    }
  }
  return problems;
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const exposed = exposedSeries();

  it('reads the metrics the programs expose', () => {
    expect(exposed).toContain('prosaas_active_calls');
    expect(exposed).toContain('agent_turn_voice_to_voice_seconds_bucket');
    expect(dashboardProblems(dashboard, exposed)).toEqual([]);
  });

  it('finds a query on a metric no program exposes', () => {
    const broken = structuredClone(dashboard);
    broken.panels.find((p) => p.type !== 'row')!.targets![0]!.expr = 'sum(rate(media_rtp_lost_packets_total[5m]))';
    expect(dashboardProblems(broken, exposed)).toEqual([expect.stringContaining('media_rtp_lost_packets_total is exposed by neither program')]);
  });

  it('covers calls per node and gateway, turn latency, RTP loss and jitter, event-loop lag, provider failures', () => {
    const read = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));
    for (const name of [
      'prosaas_active_calls',
      'prosaas_node_owned',
      'media_sessions',
      'agent_turn_voice_to_voice_seconds_bucket',
      'media_rtp_lost_total',
      'media_rtp_jitter_max_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'prosaas_provider_failures_total',
    ]) {
      expect(read, name).toContain(name);
    }
    const percentiles = dashboard.panels.flatMap((p) => p.targets ?? []).filter((t) => t.expr.startsWith('histogram_quantile(0.99'));
    expect(percentiles.length).toBeGreaterThan(0);
  });
});
