import type { ReplayReport } from './report.js';

/**
 * Rollout gates: limits on a report that make the replay exit non-zero. Each violation is a
 * sentence naming the flag, its limit and the measured value, so a CI log says why it failed.
 */

export interface Thresholds {
  /** --max-p99-ms: highest acceptable p99 latency. */
  readonly maxP99Ms?: number | undefined;
  /** --max-error-rate: highest acceptable (requests - ok) / requests, 0..1. */
  readonly maxErrorRate?: number | undefined;
  /** --max-lost: highest acceptable number of acknowledged predictions not found by id. */
  readonly maxLost?: number | undefined;
}

/** Returns one message per violated threshold (empty when the report passes). */
export function checkThresholds(report: ReplayReport, thresholds: Thresholds): string[] {
  const violations: string[] = [];
  if (thresholds.maxP99Ms !== undefined && report.latencyMs.p99 > thresholds.maxP99Ms) {
    violations.push(`--max-p99-ms ${thresholds.maxP99Ms} exceeded: p99 latency was ${report.latencyMs.p99} ms`);
  }
  if (thresholds.maxErrorRate !== undefined && report.errorRate > thresholds.maxErrorRate) {
    violations.push(
      `--max-error-rate ${thresholds.maxErrorRate} exceeded: error rate was ${report.errorRate} ` +
        `(${report.errors} of ${report.requests} requests: ${formatCounts(report.errorsByStatus)})`,
    );
  }
  if (thresholds.maxLost !== undefined) {
    if (report.lost === null) {
      violations.push(`--max-lost ${thresholds.maxLost} cannot be checked: records were not verified (--no-verify)`);
    } else if (report.lost > thresholds.maxLost) {
      violations.push(`--max-lost ${thresholds.maxLost} exceeded: ${report.lost} of ${report.verified} acknowledged records were lost`);
    }
  }
  return violations;
}

/** Reads a threshold flag value: a finite number >= 0 (and <= 1 for a rate). */
export function parseThreshold(flag: string, value: string | undefined, max = Number.POSITIVE_INFINITY): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
    throw new RangeError(`--${flag} must be a number from 0 to ${max}, got "${value}"`);
  }
  return n;
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key}: ${n}`).join(', ');
}
