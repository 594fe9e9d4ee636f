import { LatencyHistogram } from './histogram.js';
import { CREATED, type Outcome, type ReplayItem } from './outcome.js';
import { summarizeLatency, type LatencySummary } from './report.js';

/**
 * Shadow replay (`--shadow VERSION`): every item goes to the active version and to the
 * candidate, both pinned by X-Model-Version, one after the other on the same connection pool,
 * so that both see the same inputs under the same load. What is compared is the pair: do they
 * give the same digit (agreement), which one is right where a user labelled the input, how long
 * each took, and how often each failed. Pure: the HTTP side is in run-replay.ts.
 */

interface SideAggregate {
  readonly version: string;
  requests: number;
  ok: number;
  errorsByStatus: Record<string, number>;
  readonly latency: LatencyHistogram;
  labelled: number;
  correct: number;
}

export interface ShadowAggregate {
  readonly candidate: SideAggregate;
  readonly active: SideAggregate;
  pairs: number;
  /** Pairs both answered. */
  compared: number;
  agreed: number;
  /** Of those, the inputs nobody corrected (no label, or the label the recorded answer gave). */
  uncorrectedCompared: number;
  uncorrectedAgreed: number;
}

/** One side of a pair: what it answered and how long it took (ms, from its own send). */
export interface ShadowAnswer {
  readonly outcome: Outcome;
  readonly latencyMs: number;
}

export interface ShadowSideReport {
  readonly version: string;
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorsByStatus: Readonly<Record<string, number>>;
  readonly latencyMs: LatencySummary;
  /** Right answers on the inputs a user labelled (their corrections), or null when none was. */
  readonly accuracy: number | null;
  readonly labelled: number;
  readonly correct: number;
}

export interface ShadowReport {
  readonly candidate: ShadowSideReport;
  readonly active: ShadowSideReport;
  readonly pairs: number;
  readonly compared: number;
  readonly agreed: number;
  /** Candidate's digit equal to the active's / pairs both answered; null when none did. */
  readonly agreement: number | null;
  /** The same on the inputs nobody corrected: what the gate's agreement threshold is about. */
  readonly uncorrected: { readonly compared: number; readonly agreed: number; readonly agreement: number | null };
}

function createSide(version: string): SideAggregate {
  return { version, requests: 0, ok: 0, errorsByStatus: {}, latency: new LatencyHistogram(), labelled: 0, correct: 0 };
}

export function createShadowAggregate(candidate: string, active: string): ShadowAggregate {
  return { candidate: createSide(candidate), active: createSide(active), pairs: 0, compared: 0, agreed: 0, uncorrectedCompared: 0, uncorrectedAgreed: 0 };
}

/** The digit of a successful answer, else undefined. */
function answered(outcome: Outcome): number | undefined {
  return outcome.status === CREATED ? outcome.digit : undefined;
}

function recordSide(side: SideAggregate, item: ReplayItem, answer: ShadowAnswer): void {
  side.requests += 1;
  side.latency.recordMs(answer.latencyMs);
  const digit = answered(answer.outcome);
  if (digit === undefined) {
    const key = answer.outcome.status === 'network' ? 'network' : answer.outcome.status === CREATED ? 'invalid-body' : String(answer.outcome.status);
    side.errorsByStatus[key] = (side.errorsByStatus[key] ?? 0) + 1;
    return;
  }
  side.ok += 1;
  if (item.label !== null) {
    side.labelled += 1;
    if (digit === item.label) side.correct += 1;
  }
}

/** Folds one pair (the same item sent to both) into the aggregate. */
export function recordPair(shadow: ShadowAggregate, item: ReplayItem, candidate: ShadowAnswer, active: ShadowAnswer): void {
  shadow.pairs += 1;
  recordSide(shadow.candidate, item, candidate);
  recordSide(shadow.active, item, active);
  const c = answered(candidate.outcome);
  const a = answered(active.outcome);
  if (c === undefined || a === undefined) return;
  shadow.compared += 1;
  if (c === a) shadow.agreed += 1;
  const corrected = item.label !== null && item.recordedDigit !== null && item.label !== item.recordedDigit;
  if (!corrected) {
    shadow.uncorrectedCompared += 1;
    if (c === a) shadow.uncorrectedAgreed += 1;
  }
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1e6) / 1e6);

function sideReport(side: SideAggregate): ShadowSideReport {
  return {
    version: side.version,
    requests: side.requests,
    ok: side.ok,
    errors: side.requests - side.ok,
    errorsByStatus: { ...side.errorsByStatus },
    latencyMs: summarizeLatency(side.latency),
    accuracy: share(side.correct, side.labelled),
    labelled: side.labelled,
    correct: side.correct,
  };
}

export function buildShadowReport(shadow: ShadowAggregate): ShadowReport {
  return {
    candidate: sideReport(shadow.candidate),
    active: sideReport(shadow.active),
    pairs: shadow.pairs,
    compared: shadow.compared,
    agreed: shadow.agreed,
    agreement: share(shadow.agreed, shadow.compared),
    uncorrected: { compared: shadow.uncorrectedCompared, agreed: shadow.uncorrectedAgreed, agreement: share(shadow.uncorrectedAgreed, shadow.uncorrectedCompared) },
  };
}

/** The summary lines of a shadow replay, for people (summary.ts prints them after its own). */
export function formatShadowSummary(report: ShadowReport): string[] {
  const percent = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const side = (name: string, s: ShadowSideReport): string =>
    `  ${name.padEnd(12)} ${s.version}: ok ${s.ok}/${s.requests}` +
    (s.errors > 0 ? ` (${Object.entries(s.errorsByStatus).map(([k, n]) => `${k}: ${n}`).join(', ')})` : '') +
    `, accuracy ${percent(s.accuracy)} (${s.correct}/${s.labelled} labelled), latency ms p50 ${s.latencyMs.p50} p99 ${s.latencyMs.p99}`;
  return [
    `  shadow       agreement candidate vs active ${percent(report.agreement)} (${report.agreed}/${report.compared} pairs both answered); ` +
      `on uncorrected inputs ${percent(report.uncorrected.agreement)} (${report.uncorrected.agreed}/${report.uncorrected.compared})`,
    side('candidate', report.candidate),
    side('active', report.active),
  ];
}
