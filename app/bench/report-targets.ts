import type { ClassifierBenchResult } from './classifier-bench.js';
import type { E2eTarget } from './e2e-bench.js';

/**
 * The issue's targets, judged from the benchmark JSON: each a measured value against a
 * reference measured in the same run, a ratio, and PASS or MISS. Pure functions, so the
 * judgement itself is tested without timing anything.
 */

/** What app/bench/preprocess-bench.ts writes (the fields the report reads). */
export interface PreprocessReport {
  readonly uvThreadpoolSize?: string;
  readonly inFlight?: number;
  readonly results: ReadonlyArray<{
    readonly image: string;
    readonly rows: ReadonlyArray<{ readonly pipeline: string; readonly imagesPerSec: number; readonly cpuMsPerImage?: number; readonly bytes?: number }>;
  }>;
}

export interface E2eReport {
  readonly targets: readonly E2eTarget[];
}

export interface TargetCheck {
  readonly area: 'classifier' | 'preprocessing' | 'end-to-end';
  readonly what: string;
  readonly measured: string;
  readonly reference: string;
  /** measured / reference, or null when a side is missing. */
  readonly ratio: number | null;
  readonly goal: string;
  readonly verdict: 'PASS' | 'MISS' | 'NOT RUN';
}

export const CLASSIFIER_MIN_RATIO = 0.5;
export const PREPROCESS_MIN_RATIO = 0.5;
export const E2E_MIN_RATIO = 0.25;
export const E2E_MAX_P99_MS = 20;
export const E2E_CONCURRENCY = 32;
export const ORT_REFERENCE = 'onnxruntime';

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 1 });
const ratioOf = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

export function checkClassifier(result: ClassifierBenchResult | null): TargetCheck[] {
  if (result === null) return [{ area: 'classifier', what: 'TF.js vs onnxruntime', measured: '-', reference: '-', ratio: null, goal: `>= ${CLASSIFIER_MIN_RATIO}x`, verdict: 'NOT RUN' }];
  const tfjs = `tfjs-${result.backend}`;
  const batches = [...new Set(result.rows.map((r) => r.batch))].sort((a, b) => a - b);
  return batches.map((batch) => {
    const ours = result.rows.find((r) => r.runtime === tfjs && r.batch === batch);
    const ref = result.rows.find((r) => r.runtime === ORT_REFERENCE && r.batch === batch);
    const ratio = ours && ref ? ratioOf(ours.imagesPerSec, ref.imagesPerSec) : null;
    return {
      area: 'classifier',
      what: `batch ${batch}, ${tfjs} vs ${ORT_REFERENCE}`,
      measured: ours ? `${fmt(ours.imagesPerSec)} images/s` : '-',
      reference: ref ? `${fmt(ref.imagesPerSec)} images/s` : '-',
      ratio,
      goal: `>= ${CLASSIFIER_MIN_RATIO}x`,
      verdict: ratio === null ? 'NOT RUN' : ratio >= CLASSIFIER_MIN_RATIO ? 'PASS' : 'MISS',
    };
  });
}

export function checkPreprocess(report: PreprocessReport | null): TargetCheck[] {
  if (report === null) return [{ area: 'preprocessing', what: 'preprocess vs sharp decode-only', measured: '-', reference: '-', ratio: null, goal: `>= ${PREPROCESS_MIN_RATIO}x`, verdict: 'NOT RUN' }];
  return report.results.map((result) => {
    const ours = result.rows.find((r) => r.pipeline === 'preprocess');
    const ref = result.rows.find((r) => r.pipeline === 'decode-only');
    const ratio = ours && ref ? ratioOf(ours.imagesPerSec, ref.imagesPerSec) : null;
    return {
      area: 'preprocessing',
      what: `${result.image}, preprocess vs sharp decode-only`,
      measured: ours ? `${fmt(ours.imagesPerSec)} images/s` : '-',
      reference: ref ? `${fmt(ref.imagesPerSec)} images/s` : '-',
      ratio,
      goal: `>= ${PREPROCESS_MIN_RATIO}x`,
      verdict: ratio === null ? 'NOT RUN' : ratio >= PREPROCESS_MIN_RATIO ? 'PASS' : 'MISS',
    };
  });
}

export function checkEndToEnd(report: E2eReport | null, stores: readonly string[] = ['embedded', 'cassandra']): TargetCheck[] {
  const bare = report?.targets.find((t) => t.name === 'bare')?.points.find((p) => p.concurrency === E2E_CONCURRENCY);
  return stores.map((store) => {
    const point = report?.targets.find((t) => t.name === store)?.points.find((p) => p.concurrency === E2E_CONCURRENCY);
    const ratio = point && bare ? ratioOf(point.requestsPerSec, bare.requestsPerSec) : null;
    const pass = ratio !== null && point !== undefined && ratio >= E2E_MIN_RATIO && point.latencyMs.p99 <= E2E_MAX_P99_MS && point.ok === point.requests;
    return {
      area: 'end-to-end',
      what: `canvas PNG, ${store} store, ${E2E_CONCURRENCY} connections, vs bare Koa`,
      measured: point ? `${fmt(point.requestsPerSec)} req/s, p99 ${point.latencyMs.p99} ms${point.ok === point.requests ? '' : `, ${point.requests - point.ok} errors`}` : '-',
      reference: bare ? `${fmt(bare.requestsPerSec)} req/s` : '-',
      ratio,
      goal: `>= ${E2E_MIN_RATIO}x and p99 <= ${E2E_MAX_P99_MS} ms`,
      verdict: ratio === null ? 'NOT RUN' : pass ? 'PASS' : 'MISS',
    };
  });
}

/** The heaviest run's peak RSS: the largest VmHWM among the real service's processes. */
export function findPeakMemory(report: E2eReport | null): { target: string; peakRssMiB: number } | null {
  const services = (report?.targets ?? []).filter((t) => t.name !== 'bare');
  if (services.length === 0) return null;
  const worst = services.reduce((a, b) => (b.peakRssMiB > a.peakRssMiB ? b : a));
  return { target: worst.name, peakRssMiB: worst.peakRssMiB };
}
