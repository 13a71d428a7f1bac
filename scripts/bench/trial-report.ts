// Human-readable output of the capacity section: one table row per trial,
// then a summary against the targets.
import type { TrialResult } from './capacity-trial.js';

const fixed = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

const COLUMNS = [
  ['system', 9],
  ['calls', 6],
  ['result', 7],
  ['pace p50/p99', 12],
  ['pdv p99', 7],
  ['int p99', 7],
  ['lost in/out', 11],
  ['cpu%', 6],
  ['rqwait%', 7],
  ['KB/call', 8],
  ['gen cpu%', 8],
  ['gen late', 8],
  ['secs', 5],
] as const;

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 0)).join(' ');
}

export function trialTableHeader(): string {
  const header = row(COLUMNS.map(([name]) => name));
  return `${header}  why\n${'-'.repeat(header.length + 5)}`;
}

export function trialRow(trial: TrialResult): string {
  const result = trial.pass ? 'pass' : !trial.valid ? 'invalid' : trial.noisy ? 'FAIL*' : 'FAIL';
  const pacing = trial.pacing === null ? '-' : `${fixed(trial.pacing.p50, 2)}/${fixed(trial.pacing.p99, 2)}`;
  const lost = trial.lostIn === null ? '-' : `${trial.lostIn}/${trial.lostOut ?? '-'}`;
  const cells = [
    trial.system,
    String(trial.calls),
    result,
    pacing,
    fixed(trial.delayVariation?.p99, 2),
    fixed(trial.arrivalDeviation?.p99, 2),
    lost,
    fixed(trial.cpuPct),
    fixed(trial.targetRunQueueWaitPct),
    fixed(trial.rssKbPerCall),
    fixed(trial.generatorCpuPct),
    fixed(trial.generatorLateness?.p99, 2),
    fixed(trial.durationMs / 1000, 0),
  ];
  return `${row(cells)}  ${trial.reasons.join('; ')}`;
}

export const TABLE_LEGEND = [
  'pace p50/p99: the gateway\'s own pacing error over the window (ms late against the absolute schedule; bucket upper edges)',
  'pdv p99: delay variation measured by the generator (kernel timestamps): how much later than its stream\'s earliest',
  '  packet each packet arrived, i.e. pacing error seen from outside (ms; gated at 2 ms like the gateway\'s own)',
  'int p99: |arrival interval - 20 ms| (ms; reported only: a difference of two pacing errors reads up to twice as high)',
  'lost in/out: packets the target never got (echo: never came back) / sequence gaps seen by the generator',
  'cpu%: target process utime+stime over the window, % of one core',
  'rqwait%: share of the window the target\'s event loop was runnable but waited for its core (other processes\' load; ~0 on a quiet machine)',
  'FAIL*: failed while rqwait% was high (a busy machine); invalid: the generator itself fell behind. Every trial that does not',
  '  pass is run once more and the second verdict stands',
  'KB/call: RSS growth (window end minus idle before sessions) / calls; gen: the load generator\'s CPU and send lateness p99 (ms)',
].join('\n');

export interface TargetCheck {
  readonly label: string;
  readonly target: string;
  readonly measured: string;
  /** null when it could not be measured. */
  readonly met: boolean | null;
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks
    .map(({ label, target, measured, met }) => {
      const status = met === null ? 'not measured' : met ? 'met' : 'NOT MET';
      return `  ${label.padEnd(28)} target ${target.padEnd(12)} measured ${measured.padEnd(14)} ${status}`;
    })
    .join('\n');
}
