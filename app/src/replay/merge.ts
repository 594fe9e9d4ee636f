import { StartupError } from '../errors.js';
import { addAggregate } from './aggregate.js';
import { aggregateOfReport, buildReport, REPORT_SCHEMA, type ReplayReport } from './report.js';

/**
 * Merges shard reports into one cluster-wide report: counts add, histograms merge bucket by
 * bucket, the time window is the union (earliest t0 to latest answer), and every derived
 * number (percentiles, throughput, accuracy) is recomputed by the same buildReport that a
 * single process uses. Hence merge(shards of a replay) == report of the whole replay.
 */

/** Reports that cannot be merged (different replays, duplicate shards, not a report). */
export class MergeError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

export interface MergeResult {
  readonly report: ReplayReport;
  /** Shard indices of 0..P-1 that no input covered (a failed pod, a forgotten file). */
  readonly missingShards: readonly number[];
}

/** Checks that a parsed JSON value is a replay report of the current schema. */
export function assertReport(value: unknown, name: string): asserts value is ReplayReport {
  const candidate = value as Partial<ReplayReport> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.schema !== REPORT_SCHEMA) {
    throw new MergeError(`${name}: not a replay report (expected "schema": "${REPORT_SCHEMA}")`);
  }
  if (candidate.histogram === undefined || candidate.timeline === undefined || candidate.shard === undefined) {
    throw new MergeError(`${name}: replay report without histogram, timeline or shard`);
  }
}

/** Which shard indices a report covers (a merged report covers several). */
function coveredShards(report: ReplayReport): number[] {
  if (report.shard.merged !== undefined) return [...report.shard.merged];
  return report.shard.index === null ? [] : [report.shard.index];
}

export function mergeReports(reports: readonly ReplayReport[]): MergeResult {
  const [first, ...rest] = reports;
  if (first === undefined) throw new MergeError('nothing to merge: give at least one report');
  const covered = new Set<number>();
  for (const report of reports) {
    for (const [field, expected] of [
      ['source', first.source],
      ['mode', first.mode],
      ['shard count', first.shard.count],
    ] as const) {
      const actual = field === 'shard count' ? report.shard.count : report[field];
      if (actual !== expected) throw new MergeError(`cannot merge reports of different ${field}: ${expected} and ${actual}`);
    }
    // Its pairs are not kept as histograms per shard yet: a shadow replay runs as one process.
    if (report.shadow !== undefined) throw new MergeError('shadow replay reports (--shadow) cannot be merged: run the shadow replay as one process');
    for (const index of coveredShards(report)) {
      if (covered.has(index)) throw new MergeError(`shard ${index}/${first.shard.count} appears twice`);
      covered.add(index);
    }
  }
  const total = aggregateOfReport(first);
  for (const report of rest) addAggregate(total, aggregateOfReport(report));
  const merged = [...covered].sort((x, y) => x - y);
  const report = buildReport(total, {
    source: first.source,
    mode: first.mode,
    url: first.url,
    concurrency: first.concurrency,
    rateRps: first.rateRps,
    shard: { index: null, count: first.shard.count, merged },
    clientCpuMs: reports.reduce((sum, r) => sum + r.clientCpuMs, 0),
    clientEventLoopDelayP99Ms: Math.max(...reports.map((r) => r.clientEventLoopDelayP99Ms)),
  });
  const missingShards = Array.from({ length: first.shard.count }, (_, i) => i).filter((i) => !covered.has(i));
  return { report, missingShards };
}
