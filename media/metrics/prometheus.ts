// Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Values are read from the engine's own counters when scraped: nothing on the
// RTP hot path touches a metrics library.

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ScalarMetric {
  readonly kind: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  readonly value: number;
  /** Samples of one name with different labels follow each other; HELP and TYPE come once, from the first. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface HistogramMetric {
  readonly kind: 'histogram';
  readonly name: string;
  readonly help: string;
  /** Upper bounds (ascending, without +Inf) and the cumulative count at or below each. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly count: number;
  readonly sum: number;
}

export type Metric = ScalarMetric | HistogramMetric;

const formatNumber = (value: number): string =>
  Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const formatLabels = (labels: Readonly<Record<string, string>> | undefined): string =>
  labels === undefined ? '' : `{${Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;

export function renderMetrics(metrics: readonly Metric[]): string {
  const lines: string[] = [];
  let previous: string | null = null;
  for (const metric of metrics) {
    if (metric.name !== previous) lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.kind}`);
    previous = metric.name;
    if (metric.kind === 'histogram') {
      for (const bucket of metric.buckets) {
        lines.push(`${metric.name}_bucket{le="${formatNumber(bucket.le)}"} ${bucket.count}`);
      }
      lines.push(
        `${metric.name}_bucket{le="+Inf"} ${metric.count}`,
        `${metric.name}_sum ${formatNumber(metric.sum)}`,
        `${metric.name}_count ${metric.count}`,
      );
    } else {
      lines.push(`${metric.name}${formatLabels(metric.labels)} ${formatNumber(metric.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
