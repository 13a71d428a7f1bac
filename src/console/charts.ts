// Charts drawn on the server as SVG (no script, no library, nothing to keep
// up to date). The SVGs hold only shapes, stretched to the width they get
// (preserveAspectRatio="none", strokes that do not scale), so they stay
// readable on a 390 px phone; every label is HTML around them, in the page's
// font. Each chart names itself (role="img" + aria-label) and the page also
// offers its numbers as a table. Colours come from console.css classes (the
// Content-Security-Policy allows no inline style).
import { html, type Html } from './html.js';

export interface Bar {
  value: number;
  /** Tooltip (SVG <title>), e.g. "Tue 3 Mar: 42 calls". */
  title: string;
}

const BAR_SLOT = 10;
const BAR_WIDTH = 7;
const CHART_HEIGHT = 100;

/** A scale maximum: the largest value rounded up to 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function y(value: number, max: number): number {
  return CHART_HEIGHT - (Math.max(0, value) / max) * CHART_HEIGHT;
}

/** Vertical bars, one per value, oldest first. */
export function barChart(bars: readonly Bar[], label: string): Html {
  const max = niceMax(Math.max(0, ...bars.map((bar) => bar.value)));
  const width = Math.max(1, bars.length) * BAR_SLOT;
  const shapes = bars.map((bar, index) => {
    const top = y(bar.value, max);
    const height = Math.max(bar.value > 0 ? 0.8 : 0, CHART_HEIGHT - top);
    return html`<rect class="bar" x="${index * BAR_SLOT + (BAR_SLOT - BAR_WIDTH) / 2}" y="${(CHART_HEIGHT - height).toFixed(2)}" width="${BAR_WIDTH}" height="${height.toFixed(2)}"><title>${bar.title}</title></rect>`;
  });
  return html`<div class="chart"><p class="chart-max small muted" aria-hidden="true">${max}</p><svg class="chart-svg" viewBox="0 0 ${width} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}">
<line class="grid" x1="0" y1="0.5" x2="${width}" y2="0.5" vector-effect="non-scaling-stroke"/>
<line class="grid" x1="0" y1="50" x2="${width}" y2="50" vector-effect="non-scaling-stroke"/>
<line class="axis" x1="0" y1="${CHART_HEIGHT}" x2="${width}" y2="${CHART_HEIGHT}" vector-effect="non-scaling-stroke"/>
${shapes}
</svg></div>`;
}

export interface LineSeries {
  name: string;
  /** CSS class of the line (colour, dash). */
  className: string;
  /** One per slot; null leaves a gap. */
  values: readonly (number | null)[];
}

/** Lines over the same slots as a bar chart of as many values (so they align). */
export function lineChart(series: readonly LineSeries[], label: string): Html {
  const slots = Math.max(1, ...series.map((line) => line.values.length));
  const max = niceMax(Math.max(0, ...series.flatMap((line) => line.values.filter((value): value is number => value !== null))));
  const width = slots * BAR_SLOT;
  const paths = series.map((line) => {
    let d = '';
    let drawing = false;
    line.values.forEach((value, index) => {
      if (value === null) {
        drawing = false;
        return;
      }
      const x = index * BAR_SLOT + BAR_SLOT / 2;
      // A lone point still shows: a short horizontal dash.
      const next = line.values[index + 1];
      const lone = !drawing && (next === null || next === undefined);
      d += `${drawing ? 'L' : 'M'}${x} ${y(value, max).toFixed(2)}`;
      if (lone) d += `L${x + 0.01} ${y(value, max).toFixed(2)}`;
      drawing = true;
    });
    return html`<path class="line ${line.className}" d="${d}" vector-effect="non-scaling-stroke"><title>${line.name}</title></path>`;
  });
  return html`<div class="chart"><p class="chart-max small muted" aria-hidden="true">${max}</p><svg class="chart-svg" viewBox="0 0 ${width} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}">
<line class="grid" x1="0" y1="0.5" x2="${width}" y2="0.5" vector-effect="non-scaling-stroke"/>
<line class="grid" x1="0" y1="50" x2="${width}" y2="50" vector-effect="non-scaling-stroke"/>
<line class="axis" x1="0" y1="${CHART_HEIGHT}" x2="${width}" y2="${CHART_HEIGHT}" vector-effect="non-scaling-stroke"/>
${paths}
</svg></div>`;
}

/** One horizontal bar of a share (0..1), for lists of categories. */
export function shareBar(share: number, className = ''): Html {
  const width = Math.max(0, Math.min(1, share)) * 100;
  return html`<svg class="share" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true"><rect class="share-track" x="0" y="0" width="100" height="4"/><rect class="share-fill ${className}" x="0" y="0" width="${width.toFixed(2)}" height="4"/></svg>`;
}

/** 0 for nothing, else 1..5 by the share of the maximum: the heat map's colour class. */
export function heatLevel(value: number, max: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.min(5, Math.max(1, Math.ceil((value / max) * 5)));
}
