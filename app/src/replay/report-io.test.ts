import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAggregate, recordSample } from './aggregate.js';
import { renderLatencyChart } from './chart.js';
import { buildReport, type ReplayReport } from './report.js';
import { defaultChartPath, parseReportText, readReportFile, writeReportFiles } from './report-io.js';

/** 5 seconds of traffic: 20 answers a second, one 500 in second 3, a slow second 4. */
function sampleReport(): ReplayReport {
  const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);
  const a = createAggregate(t0);
  for (let k = 0; k < 100; k += 1) {
    const at = t0 + k * 50;
    const slow = k >= 80 ? 40 : 0;
    const outcome = k === 61 ? { status: 500 } : { status: 201, id: `i${k}`, digit: 7 };
    const item = { sourceIndex: k, body: new Uint8Array(0), contentType: 'image/png', label: 7, recordedDigit: null };
    recordSample(a, { requestIndex: k, item, scheduledAtMs: at, startedAtMs: at, endedAtMs: at + 2 + slow, outcome });
  }
  return buildReport(a, { source: 'mnist', mode: 'open', url: 'http://a&b', concurrency: null, rateRps: 20, shard: { index: 0, count: 1 }, clientCpuMs: 5, clientEventLoopDelayP99Ms: 0.5 });
}

describe('report files and chart', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the report on the last JSON line of a pod log', () => {
    const report = sampleReport();
    const log = `[####] 100/100 100% | 20 req/s\nreplay of mnist ...\n${JSON.stringify(report)}\n`;
    expect(parseReportText(log, 'pod-0.log')).toEqual(report);
    expect(() => parseReportText('progress only\n{"not":"a report"}\n', 'pod-1.log')).toThrow(/pod-1.log: not a replay report/);
    expect(() => parseReportText('no json at all', 'pod-2.log')).toThrow(/no replay report found/);
  });

  it('writes the JSON and, by default, the chart beside it, and reads the JSON back', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'replay-report-'));
    const out = path.join(dir, 'run.json');
    const written = await writeReportFiles(sampleReport(), out, undefined);
    expect(written).toEqual([out, path.join(dir, 'run-latency.svg')]);
    expect(await readReportFile(out)).toEqual(sampleReport());
    expect(await readFile(written[1]!, 'utf8')).toMatch(/^<svg /);
    expect(defaultChartPath('/x/report')).toBe('/x/report-latency.svg');
  });

  it('draws one p50 and one p99 point per second, error bars, and escapes text', () => {
    const svg = renderLatencyChart(sampleReport());
    const polylines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]!.split(' ').length);
    expect(polylines).toEqual([5, 5]);
    expect(svg.match(/class="errors"/g)).toHaveLength(1);
    expect(svg).toContain('http://a&amp;b');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('draws an empty chart for a report without requests', () => {
    const empty = buildReport(createAggregate(0), { ...sampleReport(), shard: { index: 0, count: 1 } });
    expect(renderLatencyChart(empty)).toContain('0 requests');
  });
});
