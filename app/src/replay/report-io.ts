import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderLatencyChart } from './chart.js';
import { assertReport, MergeError } from './merge.js';
import type { ReplayReport } from './report.js';
import { errorMessage } from '../errors.js';

/**
 * Reports on disk and in logs. A replay prints its JSON report as the last stdout line, so a
 * pod log (or `make replay > run.log`) is as good an input to `replay merge` as a --out file.
 */

/** Finds the report in text: the whole text as JSON, else the last line that is a report. */
export function parseReportText(text: string, name: string): ReplayReport {
  const trimmed = text.trim();
  const candidates = [trimmed, ...trimmed.split('\n').reverse().filter((line) => line.trimStart().startsWith('{'))];
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    assertReport(value, name);
    return value;
  }
  throw new MergeError(`${name}: no replay report found (expected a JSON report, or a log whose last JSON line is one)`);
}

export async function readReportFile(file: string): Promise<ReplayReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MergeError(`${file}: cannot read (${errorMessage(error)})`);
  }
  return parseReportText(text, file);
}

/** The chart's default place: beside the JSON, `report.json` -> `report-latency.svg`. */
export function defaultChartPath(outFile: string): string {
  const parsed = path.parse(outFile);
  return path.join(parsed.dir, `${parsed.ext === '.json' ? parsed.name : parsed.base}-latency.svg`);
}

/** Writes the JSON report (pretty) and the chart; returns the paths written. */
export async function writeReportFiles(report: ReplayReport, outFile: string | undefined, chartFile: string | undefined): Promise<string[]> {
  const written: string[] = [];
  if (outFile !== undefined) {
    await writeFile(outFile, `${stringifyReport(report)}\n`);
    written.push(outFile);
  }
  const chart = chartFile ?? (outFile === undefined ? undefined : defaultChartPath(outFile));
  if (chart !== undefined) {
    await writeFile(chart, renderLatencyChart(report));
    written.push(chart);
  }
  return written;
}

/** Indented JSON, but arrays of numbers (histogram buckets) on one line each. */
export function stringifyReport(report: ReplayReport): string {
  return JSON.stringify(report, null, 2).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_match, body: string) => `[${body.replace(/\s+/g, '')}]`);
}
