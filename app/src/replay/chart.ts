import type { ReplayReport, TimelinePoint } from './report.js';

/**
 * The latency-over-time chart of a report, as a self-contained SVG (no dependency, opens in
 * any browser): top panel p50 and p99 per second, bottom panel answers per second with the
 * errors of that second stacked in red. Seconds count from the report's t0.
 */

const WIDTH = 960;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, right: 20, top: 56, gap: 56, bottom: 44 };
const HEIGHT = MARGIN.top + PANEL_HEIGHT * 2 + MARGIN.gap + MARGIN.bottom;
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const COLORS = { p50: '#1f77b4', p99: '#d62728', ok: '#7f9fbf', errors: '#d62728', grid: '#e5e5e5', text: '#333' };

/** Renders the chart; a report without requests still gives a valid (empty) SVG. */
export function renderLatencyChart(report: ReplayReport): string {
  const points = report.timeline;
  // Timeline buckets are wall-clock seconds; place each at its middle, in seconds since t0.
  const t0s = report.startedAtMs / 1000;
  const spanSeconds = Math.max(1, ...points.map((p) => p.second + 1 - t0s));
  const xOf = (second: number): number => MARGIN.left + (Math.max(0, second + 0.5 - t0s) / spanSeconds) * PLOT_WIDTH;
  const latencyTop = MARGIN.top;
  const rateTop = MARGIN.top + PANEL_HEIGHT + MARGIN.gap;
  const latencyMax = niceCeiling(Math.max(1, ...points.map((p) => p.p99Ms)));
  const rateMax = niceCeiling(Math.max(1, ...points.map((p) => p.requests)));
  const parts: string[] = [];

  const title = `${report.source} replay, ${report.mode} loop: ${report.requests} requests, ${report.errors} errors`;
  const numbers =
    `${report.throughputRps.toFixed(1)} ok/s, p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms` +
    (report.accuracy === null ? '' : `, accuracy ${(report.accuracy * 100).toFixed(2)}%`);
  parts.push(text(MARGIN.left, 22, escapeXml(title), 15, 'start', 'bold'));
  parts.push(text(MARGIN.left, 40, escapeXml(`${numbers}; ${report.url}, started ${report.startedAt}, ${(report.durationMs / 1000).toFixed(1)} s`), 12));

  parts.push(...axis(latencyTop, latencyMax, 'latency (ms)'));
  parts.push(polyline(points, xOf, (p) => latencyTop + PANEL_HEIGHT * (1 - p.p50Ms / latencyMax), COLORS.p50));
  parts.push(polyline(points, xOf, (p) => latencyTop + PANEL_HEIGHT * (1 - p.p99Ms / latencyMax), COLORS.p99));
  parts.push(legend(WIDTH - MARGIN.right - 150, latencyTop + 14, [['p50', COLORS.p50], ['p99', COLORS.p99]]));

  parts.push(...axis(rateTop, rateMax, 'answers per second'));
  const barWidth = Math.max(1, (PLOT_WIDTH / spanSeconds) * 0.8);
  for (const p of points) {
    const okHeight = (PANEL_HEIGHT * (p.requests - p.errors)) / rateMax;
    const errorHeight = (PANEL_HEIGHT * p.errors) / rateMax;
    const x = (xOf(p.second) - barWidth / 2).toFixed(1);
    const base = rateTop + PANEL_HEIGHT;
    parts.push(`<rect x="${x}" y="${(base - okHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${okHeight.toFixed(1)}" fill="${COLORS.ok}"/>`);
    if (p.errors > 0) {
      parts.push(`<rect x="${x}" y="${(base - okHeight - errorHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${errorHeight.toFixed(1)}" fill="${COLORS.errors}" class="errors"/>`);
    }
  }
  parts.push(legend(WIDTH - MARGIN.right - 150, rateTop + 14, [['ok', COLORS.ok], ['errors', COLORS.errors]]));

  const stepSeconds = niceCeiling(spanSeconds / 8);
  for (let tick = 0; tick <= spanSeconds; tick += stepSeconds) {
    const x = MARGIN.left + (tick / spanSeconds) * PLOT_WIDTH;
    parts.push(text(x, HEIGHT - MARGIN.bottom + 16, `${formatNumber(tick)}s`, 11, 'middle'));
  }
  parts.push(text(MARGIN.left + PLOT_WIDTH / 2, HEIGHT - 8, 'seconds since start', 12, 'middle'));

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Grid lines, tick labels and the y-axis title of one panel. */
function axis(top: number, max: number, label: string): string[] {
  const out: string[] = [];
  for (const value of ticks(max)) {
    const y = top + PANEL_HEIGHT * (1 - value / max);
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${COLORS.grid}"/>`);
    out.push(text(MARGIN.left - 6, y + 4, formatNumber(value), 11, 'end'));
  }
  out.push(`<text x="16" y="${top + PANEL_HEIGHT / 2}" font-size="12" fill="${COLORS.text}" text-anchor="middle" transform="rotate(-90 16 ${top + PANEL_HEIGHT / 2})">${label}</text>`);
  return out;
}

function polyline(points: readonly TimelinePoint[], xOf: (s: number) => number, yOf: (p: TimelinePoint) => number, color: string): string {
  const coords = points.map((p) => `${xOf(p.second).toFixed(1)},${yOf(p).toFixed(1)}`).join(' ');
  return `<polyline points="${coords}" fill="none" stroke="${color}" stroke-width="2"/>`;
}

function legend(x: number, y: number, entries: ReadonlyArray<readonly [string, string]>): string {
  return entries
    .map(([name, color], i) => `<rect x="${x + i * 75}" y="${y - 9}" width="12" height="12" fill="${color}"/>` + text(x + i * 75 + 17, y + 1, name, 12))
    .join('');
}

function text(x: number, y: number, content: string, size: number, anchor = 'start', weight = 'normal'): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" font-weight="${weight}" fill="${COLORS.text}" text-anchor="${anchor}">${content}</text>`;
}

/** 1, 2 or 5 times a power of ten, at or above `value`. */
export function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

/** Five evenly spaced ticks from 0 to max. */
function ticks(max: number): number[] {
  return [0, 1, 2, 3, 4].map((i) => (max * i) / 4);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
