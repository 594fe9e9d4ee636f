import { createAggregate, type Aggregate } from './aggregate.js';
import { LatencyHistogram, type SerializedHistogram } from './histogram.js';
import type { ShadowReport } from './shadow.js';

/**
 * The replay report: the JSON written with --out, printed as the last stdout line, and read
 * back by `replay merge`. Derived numbers are computed here from an Aggregate, and the
 * aggregate's raw parts (histograms, per-second timeline, sums) travel in the JSON so that
 * merging shard reports recomputes exactly what one process would have reported.
 */

export const REPORT_SCHEMA = 'mnist-replay/1';

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  readonly mean: number;
}

export interface TimelinePoint {
  /** Epoch second in which the requests completed. */
  readonly second: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly histogram: SerializedHistogram;
}

/** Facts about the run that are not sums: how it was driven and by which process(es). */
export interface ReportMeta {
  readonly source: 'mnist' | 'recorded';
  readonly mode: 'closed' | 'open';
  readonly url: string;
  /** Clients per process (closed loop), else null. */
  readonly concurrency: number | null;
  /** Target rate of the whole replay (open loop), else null. */
  readonly rateRps: number | null;
  /** This process's shard; a merged report has index null and lists the merged shards. */
  readonly shard: { readonly index: number | null; readonly count: number; readonly merged?: readonly number[] };
  /** CPU the replay process(es) used, summed; and the worst event-loop delay p99 seen. */
  readonly clientCpuMs: number;
  readonly clientEventLoopDelayP99Ms: number;
}

export interface ReplayReport extends ReportMeta {
  readonly schema: typeof REPORT_SCHEMA;
  readonly startedAt: string;
  /** Epoch ms (sub-ms resolution): t0, the last answer, first and last request start. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly firstSendMs: number | null;
  readonly lastSendMs: number | null;
  readonly durationMs: number;
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorsByStatus: Readonly<Record<string, number>>;
  readonly errorRate: number;
  /** Successful predictions per second over the whole window (t0 to last answer). */
  readonly throughputRps: number;
  /** Achieved request start rate: (requests - 1) / (last start - first start). */
  readonly sendRateRps: number;
  /** From the scheduled start in open loop (no coordinated omission), from the send in closed loop. */
  readonly latencyMs: LatencySummary;
  /** Correct answers / labelled successful answers, or null when nothing was labelled. */
  readonly accuracy: number | null;
  readonly labelled: number;
  readonly correct: number;
  /** Answers equal to the recorded answer / compared answers (recorded source), else null. */
  readonly agreement: number | null;
  readonly compared: number;
  readonly agreed: number;
  /** 201 predictions whose record could not be read back by id; null when not verified. */
  readonly lost: number | null;
  readonly verified: number | null;
  readonly verifyErrors: number | null;
  readonly modelVersions: Readonly<Record<string, number>>;
  /** Lateness of request starts against their schedule: the client's own overhead. */
  readonly startLagMs: LatencySummary;
  readonly histogram: SerializedHistogram;
  readonly startLagHistogram: SerializedHistogram;
  readonly timeline: readonly TimelinePoint[];
  /**
   * A shadow replay (--shadow VERSION) only: candidate vs active, pair by pair (shadow.ts). The
   * fields above then count the candidate's answers, with the latency of the whole pair.
   */
  readonly shadow?: ShadowReport;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function summarizeLatency(histogram: LatencyHistogram): LatencySummary {
  return {
    p50: histogram.percentileMs(50),
    p90: histogram.percentileMs(90),
    p95: histogram.percentileMs(95),
    p99: histogram.percentileMs(99),
    max: histogram.maxMs(),
    min: histogram.minMs(),
    mean: round3(histogram.meanMs()),
  };
}

/** Computes the report of an aggregate. Pure: the same aggregate always gives the same report. */
export function buildReport(a: Aggregate, meta: ReportMeta): ReplayReport {
  const durationMs = Math.max(0, a.endedAtMs - a.startedAtMs);
  const sendSpanMs = a.firstSendMs === null || a.lastSendMs === null ? 0 : a.lastSendMs - a.firstSendMs;
  const errors = a.requests - a.ok;
  return {
    schema: REPORT_SCHEMA,
    ...meta,
    startedAt: new Date(a.startedAtMs).toISOString(),
    startedAtMs: a.startedAtMs,
    endedAtMs: a.endedAtMs,
    firstSendMs: a.firstSendMs,
    lastSendMs: a.lastSendMs,
    durationMs: round3(durationMs),
    requests: a.requests,
    ok: a.ok,
    errors,
    errorsByStatus: sortKeys(a.errorsByStatus),
    errorRate: a.requests === 0 ? 0 : round6(errors / a.requests),
    throughputRps: durationMs === 0 ? 0 : round3((a.ok * 1000) / durationMs),
    sendRateRps: sendSpanMs === 0 ? 0 : round3(((a.requests - 1) * 1000) / sendSpanMs),
    latencyMs: summarizeLatency(a.latency),
    accuracy: a.labelled === 0 ? null : round6(a.correct / a.labelled),
    labelled: a.labelled,
    correct: a.correct,
    agreement: a.compared === 0 ? null : round6(a.agreed / a.compared),
    compared: a.compared,
    agreed: a.agreed,
    lost: a.verify?.lost ?? null,
    verified: a.verify?.checked ?? null,
    verifyErrors: a.verify?.errors ?? null,
    modelVersions: sortKeys(a.modelVersions),
    startLagMs: summarizeLatency(a.startLag),
    histogram: a.latency.toJSON(),
    startLagHistogram: a.startLag.toJSON(),
    timeline: [...a.timeline.entries()]
      .sort(([x], [y]) => x - y)
      .map(([second, slot]) => ({
        second,
        requests: slot.latency.count,
        errors: slot.errors,
        p50Ms: slot.latency.percentileMs(50),
        p99Ms: slot.latency.percentileMs(99),
        histogram: slot.latency.toJSON(),
      })),
  };
}

/** Rebuilds the aggregate a report was computed from (without the 201 ids). */
export function aggregateOfReport(report: ReplayReport): Aggregate {
  const a = createAggregate(report.startedAtMs);
  a.requests = report.requests;
  a.ok = report.ok;
  a.errorsByStatus = { ...report.errorsByStatus };
  a.endedAtMs = report.endedAtMs;
  a.latency = LatencyHistogram.fromJSON(report.histogram);
  a.startLag = LatencyHistogram.fromJSON(report.startLagHistogram);
  a.firstSendMs = report.firstSendMs;
  a.lastSendMs = report.lastSendMs;
  for (const point of report.timeline) {
    a.timeline.set(point.second, { latency: LatencyHistogram.fromJSON(point.histogram), errors: point.errors });
  }
  a.labelled = report.labelled;
  a.correct = report.correct;
  a.compared = report.compared;
  a.agreed = report.agreed;
  a.modelVersions = { ...report.modelVersions };
  a.verify =
    report.lost === null || report.verified === null
      ? null
      : { checked: report.verified, lost: report.lost, errors: report.verifyErrors ?? 0 };
  return a;
}

function sortKeys(record: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([x], [y]) => x.localeCompare(y)));
}
