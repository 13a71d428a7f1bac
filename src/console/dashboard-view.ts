// The dashboard: the last 30 days of a business (or of every business, for
// the operator) in its time zone. Figures first in plain words, then the
// charts, each with its numbers behind "Show the numbers".
import type { Dashboard, Outcome } from '../staff/dashboard-queries.js';
import { barChart, heatLevel, lineChart, shareBar } from './charts.js';
import { formatDay, formatLatency } from './format.js';
import { html, type Html } from './html.js';

export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = {
  completed: 'Handled by the agent',
  message: 'Message taken',
  transferred: 'Transferred to staff',
  failed: 'Failed',
  abandoned: 'Hung up before answer',
  in_progress: 'In progress',
};

const ISO_WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

function tile(label: string, value: string, note?: string): Html {
  return html`<div class="tile"><p class="tile-label">${label}</p><p class="tile-value">${value}</p>${note ? html`<p class="tile-note small muted">${note}</p>` : ''}</div>`;
}

function summary(dashboard: Dashboard): Html {
  const { outcomes, totalCalls } = dashboard;
  const handled = outcomes.completed + outcomes.message + outcomes.transferred;
  const share = (count: number) => (totalCalls > 0 ? `${Math.round((count / totalCalls) * 100)}% of calls` : undefined);
  return html`<div class="tiles">
  ${tile('Calls', totalCalls.toLocaleString('en-US'))}
  ${tile('Answered by the agent', handled.toLocaleString('en-US'), share(handled))}
  ${tile('Messages taken', dashboard.messages.toLocaleString('en-US'))}
  ${tile('Transferred to staff', outcomes.transferred.toLocaleString('en-US'), share(outcomes.transferred))}
  ${tile('Failed', outcomes.failed.toLocaleString('en-US'), share(outcomes.failed))}
  ${tile('Agent response time', formatLatency(dashboard.latencyOverall.p50Ms), dashboard.latencyOverall.p50Ms !== null ? `typical; 95% within ${formatLatency(dashboard.latencyOverall.p95Ms)}` : 'no answers measured yet')}
</div>`;
}

function numbers(caption: string, head: readonly string[], rows: readonly (readonly (string | number)[])[]): Html {
  return html`<details class="numbers"><summary>Show the numbers</summary><div class="table-wrap"><table class="data">
<caption class="visually-hidden">${caption}</caption>
<thead><tr>${head.map((cell) => html`<th scope="col">${cell}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell, index) => (index === 0 ? html`<th scope="row">${cell}</th>` : html`<td class="num">${cell}</td>`))}</tr>`)}</tbody>
</table></div></details>`;
}

function axisDays(dashboard: Dashboard): Html {
  const days = dashboard.window.days;
  return html`<p class="chart-axis small muted" aria-hidden="true"><span>${formatDay(days[0]!)}</span><span>${formatDay(days.at(-1)!)}</span></p>`;
}

function callsPerDay(dashboard: Dashboard): Html {
  const bars = dashboard.perDay.map((day) => ({ value: day.calls, title: `${formatDay(day.day)}: ${plural(day.calls, 'call', 'calls')}` }));
  return html`<section class="panel" aria-labelledby="per-day-title">
<h2 id="per-day-title">Calls per day</h2>
${barChart(bars, `Calls per day over the last ${dashboard.window.days.length} days, ${plural(dashboard.totalCalls, 'call', 'calls')} in all`)}
${axisDays(dashboard)}
${numbers('Calls per day', ['Day', 'Calls', ...Object.values(OUTCOME_LABELS)], dashboard.perDay.map((day) => [formatDay(day.day), day.calls, ...Object.keys(OUTCOME_LABELS).map((outcome) => day.outcomes[outcome as Outcome])]))}
</section>`;
}

function outcomes(dashboard: Dashboard): Html {
  const entries = (Object.keys(OUTCOME_LABELS) as Outcome[]).filter((outcome) => outcome !== 'in_progress' || dashboard.outcomes.in_progress > 0);
  const total = Math.max(1, dashboard.totalCalls);
  return html`<section class="panel" aria-labelledby="outcomes-title">
<h2 id="outcomes-title">How calls ended</h2>
<ul class="outcomes">${entries.map(
    (outcome) => html`<li><span class="outcome-label">${OUTCOME_LABELS[outcome]}</span> <span class="num">${dashboard.outcomes[outcome].toLocaleString('en-US')}</span>${shareBar(dashboard.outcomes[outcome] / total, `outcome-${outcome}`)}</li>`,
  )}</ul>
</section>`;
}

function hourOfWeek(dashboard: Dashboard): Html {
  const max = Math.max(0, ...dashboard.perHourOfWeek.flat());
  const hours = Array.from({ length: 24 }, (_, hour) => hour);
  return html`<section class="panel" aria-labelledby="week-title">
<h2 id="week-title">When people call</h2>
<p class="small muted">Calls by weekday and hour (${dashboard.window.timeZone}); darker is busier.</p>
<div class="table-wrap"><table class="heatmap">
<caption class="visually-hidden">Calls by weekday (rows) and hour of the day (columns)</caption>
<thead><tr><td></td>${hours.map((hour) => html`<th scope="col"${hour % 6 === 0 ? '' : html` class="minor"`}><span${hour % 6 === 0 ? '' : html` class="visually-hidden"`}>${String(hour).padStart(2, '0')}</span></th>`)}</tr></thead>
<tbody>${dashboard.perHourOfWeek.map(
    (row, index) => html`<tr><th scope="row">${ISO_WEEKDAYS[index]}</th>${row.map(
      (count, hour) => html`<td class="heat heat-${heatLevel(count, max)}" title="${ISO_WEEKDAYS[index]} ${String(hour).padStart(2, '0')}:00: ${plural(count, 'call', 'calls')}"><span class="visually-hidden">${count}</span></td>`,
    )}</tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function latency(dashboard: Dashboard): Html {
  const measured = dashboard.latency.some((day) => day.turns > 0);
  return html`<section class="panel" aria-labelledby="latency-title">
<h2 id="latency-title">Agent response time</h2>
<p class="small muted">From the moment the caller stops speaking to the agent’s first sound, per day: typical (half of answers are faster) and slowest 5%.</p>
${measured
  ? html`${lineChart(
      [
        { name: 'Typical (p50)', className: 'line-p50', values: dashboard.latency.map((day) => day.p50Ms) },
        { name: 'Slowest 5% (p95)', className: 'line-p95', values: dashboard.latency.map((day) => day.p95Ms) },
      ],
      'Agent response time per day in milliseconds: typical and slowest 5%',
    )}
${axisDays(dashboard)}
<p class="legend small"><span class="key key-p50"></span> Typical (p50) <span class="key key-p95"></span> Slowest 5% (p95), in ms</p>
${numbers('Agent response time per day', ['Day', 'Answers measured', 'Typical', 'Slowest 5%'], dashboard.latency.map((day) => [formatDay(day.day), day.turns, formatLatency(day.p50Ms), formatLatency(day.p95Ms)]))}`
  : html`<p class="muted">No answers were measured in these days.</p>`}
</section>`;
}

function reasons(dashboard: Dashboard): Html {
  if (dashboard.topReasons.length === 0) return html``;
  const max = Math.max(1, ...dashboard.topReasons.map((reason) => reason.count));
  return html`<section class="panel" aria-labelledby="reasons-title">
<h2 id="reasons-title">Top reasons callers left messages</h2>
<ol class="outcomes">${dashboard.topReasons.map(
    (reason) => html`<li><span class="outcome-label">${reason.reason}</span> <span class="num">${reason.count.toLocaleString('en-US')}</span>${shareBar(reason.count / max)}</li>`,
  )}</ol>
</section>`;
}

/** The dashboard's content (the page adds its title and, for the operator, the business choice). */
export function dashboardContent(dashboard: Dashboard): Html {
  const { days, timeZone } = dashboard.window;
  return html`<p class="muted">The last ${days.length} days, ${formatDay(days[0]!)} to ${formatDay(days.at(-1)!)}, in ${timeZone} time.</p>
${summary(dashboard)}
<div class="panels">
${callsPerDay(dashboard)}
${outcomes(dashboard)}
${hourOfWeek(dashboard)}
${latency(dashboard)}
${reasons(dashboard)}
</div>`;
}
