import { LatencyHistogram } from './histogram.js';
import { CREATED, type Sample } from './outcome.js';

/**
 * Everything a report is computed from, kept as sums and histograms only, so aggregates of
 * shards add up to the aggregate of the whole: counts add, histograms merge, time windows
 * take min/max. Derived numbers (percentiles, rates, accuracy) are computed once, from the
 * aggregate, in report.ts, whether it came from one process or from a merge.
 */
export interface Aggregate {
  requests: number;
  ok: number;
  /** Status code (or "network") -> count, for every non-201 answer. */
  errorsByStatus: Record<string, number>;
  /** Epoch ms: start of the window (t0), first and last request start, last answer. */
  startedAtMs: number;
  firstSendMs: number | null;
  lastSendMs: number | null;
  endedAtMs: number;
  latency: LatencyHistogram;
  /** How late requests started versus their schedule: the client's own lag (open loop). */
  startLag: LatencyHistogram;
  /** Epoch second of completion -> that second's latencies and error count. */
  timeline: Map<number, { latency: LatencyHistogram; errors: number }>;
  labelled: number;
  correct: number;
  compared: number;
  agreed: number;
  modelVersions: Record<string, number>;
  /** Read-back check of the 201 ids; null when skipped (--no-verify). */
  verify: { checked: number; lost: number; errors: number } | null;
  /** 201 ids to read back after the run (not serialized). */
  ids: string[];
}

/** Per-second histograms are coarser (1.6% error) to keep long runs' JSON small. */
export const TIMELINE_PRECISION_BITS = 7;

export function createAggregate(startedAtMs: number): Aggregate {
  return {
    requests: 0,
    ok: 0,
    errorsByStatus: {},
    startedAtMs,
    firstSendMs: null,
    lastSendMs: null,
    endedAtMs: startedAtMs,
    latency: new LatencyHistogram(),
    startLag: new LatencyHistogram(),
    timeline: new Map(),
    labelled: 0,
    correct: 0,
    compared: 0,
    agreed: 0,
    modelVersions: {},
    verify: null,
    ids: [],
  };
}

/** Folds one finished request into the aggregate. Latency runs from the scheduled time. */
export function recordSample(aggregate: Aggregate, sample: Sample): void {
  const a = aggregate;
  const { outcome, item } = sample;
  a.requests += 1;
  a.firstSendMs = a.firstSendMs === null ? sample.startedAtMs : Math.min(a.firstSendMs, sample.startedAtMs);
  a.lastSendMs = a.lastSendMs === null ? sample.startedAtMs : Math.max(a.lastSendMs, sample.startedAtMs);
  a.endedAtMs = Math.max(a.endedAtMs, sample.endedAtMs);
  const latencyMs = sample.endedAtMs - sample.scheduledAtMs;
  a.latency.recordMs(latencyMs);
  a.startLag.recordMs(sample.startedAtMs - sample.scheduledAtMs);
  const second = Math.floor(sample.endedAtMs / 1000);
  let slot = a.timeline.get(second);
  if (slot === undefined) {
    slot = { latency: new LatencyHistogram(TIMELINE_PRECISION_BITS), errors: 0 };
    a.timeline.set(second, slot);
  }
  slot.latency.recordMs(latencyMs);
  const succeeded = outcome.status === CREATED && outcome.digit !== undefined;
  if (!succeeded) {
    const key = errorKeyOf(outcome.status);
    a.errorsByStatus[key] = (a.errorsByStatus[key] ?? 0) + 1;
    slot.errors += 1;
    return;
  }
  a.ok += 1;
  if (outcome.id !== undefined) a.ids.push(outcome.id);
  if (outcome.modelVersion !== undefined) {
    a.modelVersions[outcome.modelVersion] = (a.modelVersions[outcome.modelVersion] ?? 0) + 1;
  }
  if (item.label !== null) {
    a.labelled += 1;
    if (outcome.digit === item.label) a.correct += 1;
  }
  if (item.recordedDigit !== null) {
    a.compared += 1;
    if (outcome.digit === item.recordedDigit) a.agreed += 1;
  }
}

/** Adds `other` into `into` (used by merge; ids are not carried across processes). */
export function addAggregate(into: Aggregate, other: Aggregate): void {
  into.requests += other.requests;
  into.ok += other.ok;
  addCounts(into.errorsByStatus, other.errorsByStatus);
  into.startedAtMs = Math.min(into.startedAtMs, other.startedAtMs);
  into.endedAtMs = Math.max(into.endedAtMs, other.endedAtMs);
  into.firstSendMs = pickNullable(into.firstSendMs, other.firstSendMs, Math.min);
  into.lastSendMs = pickNullable(into.lastSendMs, other.lastSendMs, Math.max);
  into.latency.merge(other.latency);
  into.startLag.merge(other.startLag);
  for (const [second, slot] of other.timeline) {
    const mine = into.timeline.get(second);
    if (mine === undefined) {
      const copy = new LatencyHistogram(slot.latency.precisionBits);
      copy.merge(slot.latency);
      into.timeline.set(second, { latency: copy, errors: slot.errors });
    } else {
      mine.latency.merge(slot.latency);
      mine.errors += slot.errors;
    }
  }
  into.labelled += other.labelled;
  into.correct += other.correct;
  into.compared += other.compared;
  into.agreed += other.agreed;
  addCounts(into.modelVersions, other.modelVersions);
  into.verify =
    into.verify === null || other.verify === null
      ? null
      : {
          checked: into.verify.checked + other.verify.checked,
          lost: into.verify.lost + other.verify.lost,
          errors: into.verify.errors + other.verify.errors,
        };
}

/** errorsByStatus key: the status code, "network", or "invalid-body" for a 201 without a digit. */
function errorKeyOf(status: number | 'network'): string {
  if (status === 'network') return 'network';
  return status === CREATED ? 'invalid-body' : String(status);
}

function addCounts(into: Record<string, number>, other: Record<string, number>): void {
  for (const [key, n] of Object.entries(other)) into[key] = (into[key] ?? 0) + n;
}

function pickNullable(a: number | null, b: number | null, pick: (x: number, y: number) => number): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return pick(a, b);
}
