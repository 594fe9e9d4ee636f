import type { ClassifierBenchResult } from './classifier-bench.js';
import type { E2ePoint, E2eTarget } from './e2e-bench.js';
import type { StartupResult } from './startup-bench.js';

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
  readonly area: 'classifier' | 'preprocessing' | 'end-to-end' | 'server CPU' | 'start-up' | 'memory';
  readonly what: string;
  readonly measured: string;
  readonly reference: string;
  /** measured / reference, or null when a side is missing. */
  readonly ratio: number | null;
  readonly goal: string;
  readonly verdict: 'PASS' | 'MISS' | 'NOT RUN';
  /**
   * The same ratio from CPU cost instead of wall-clock rate: what an idle machine would give if
   * each side were CPU-bound (see cpuBoundRate). Other load on a shared machine skews the
   * measured ratio (the two sides get different CPU shares); CPU time per item skews far less.
   */
  readonly cpuRatio: number | null;
}

/** Items/s a side could reach when CPU-bound on `threads` fully used threads at this CPU cost. */
export function cpuBoundRate(cpuUsPerItem: number, threads: number): number {
  return cpuUsPerItem <= 0 ? 0 : (threads * 1e6) / cpuUsPerItem;
}

export const CLASSIFIER_MIN_RATIO = 0.5;
export const PREPROCESS_MIN_RATIO = 0.5;
export const E2E_MIN_RATIO = 0.25;
export const E2E_MAX_P99_MS = 30;
/** Cassandra against the embedded store in the same run. */
export const CASSANDRA_MIN_RATIO = 0.5;
export const CASSANDRA_MAX_P99_MS = 150;
export const E2E_CONCURRENCY = 32;
export const MAX_SERVER_CPU_US = 700;
export const ORT_REFERENCE = 'onnxruntime';
/** Rows of the service's own classifier are named `service-<backend>` (classifier-bench.ts). */
export const SERVICE_PREFIX = 'service-';
/** The service's memory bound under any load (issue 10). */
export const MAX_PEAK_RSS_MIB = 300;

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 1 });
const ratioOf = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

/** Threads a backend computes one batch on: wasm and pure JS one, the native runtimes every core. */
function threadsOf(backend: string, cores: number): number {
  return backend === 'wasm' || backend === 'cpu' ? 1 : cores;
}

export function checkClassifier(result: ClassifierBenchResult | null): TargetCheck[] {
  if (result === null) return [{ area: 'classifier', what: 'service classifier vs onnxruntime', measured: '-', reference: '-', ratio: null, goal: `>= ${CLASSIFIER_MIN_RATIO}x`, verdict: 'NOT RUN', cpuRatio: null }];
  const service = `${SERVICE_PREFIX}${result.backend}`;
  const batches = [...new Set(result.rows.map((r) => r.batch))].sort((a, b) => a - b);
  return batches.map((batch): TargetCheck => {
    const ours = result.rows.find((r) => r.runtime === service && r.batch === batch);
    const ref = result.rows.find((r) => r.runtime === ORT_REFERENCE && r.batch === batch);
    const ratio = ours && ref ? ratioOf(ours.imagesPerSec, ref.imagesPerSec) : null;
    // onnxruntime's default uses every core, at (about) its one-thread CPU cost per image.
    const single = result.rows.find((r) => r.runtime === `${ORT_REFERENCE}-1thread` && r.batch === batch);
    const cores = result.cores ?? 2;
    const cpuRatio = ours && single ? ratioOf(cpuBoundRate(ours.cpuMsPerImage * 1000, threadsOf(result.backend, cores)), cpuBoundRate(single.cpuMsPerImage * 1000, cores)) : null;
    return {
      area: 'classifier',
      cpuRatio,
      what: `batch ${batch}, ${service} vs ${ORT_REFERENCE}`,
      measured: ours ? `${fmt(ours.imagesPerSec)} images/s` : '-',
      reference: ref ? `${fmt(ref.imagesPerSec)} images/s` : '-',
      ratio,
      goal: `>= ${CLASSIFIER_MIN_RATIO}x`,
      verdict: ratio === null ? 'NOT RUN' : ratio >= CLASSIFIER_MIN_RATIO ? 'PASS' : 'MISS',
    };
  });
}

export function checkPreprocess(report: PreprocessReport | null): TargetCheck[] {
  if (report === null) return [{ area: 'preprocessing', what: 'preprocess vs sharp decode-only', measured: '-', reference: '-', ratio: null, goal: `>= ${PREPROCESS_MIN_RATIO}x`, verdict: 'NOT RUN', cpuRatio: null }];
  return report.results.map((result): TargetCheck => {
    const ours = result.rows.find((r) => r.pipeline === 'preprocess');
    const ref = result.rows.find((r) => r.pipeline === 'decode-only');
    const ratio = ours && ref ? ratioOf(ours.imagesPerSec, ref.imagesPerSec) : null;
    const cpuRatio = ours?.cpuMsPerImage && ref?.cpuMsPerImage ? ratioOf(ref.cpuMsPerImage, ours.cpuMsPerImage) : null;
    return {
      area: 'preprocessing',
      cpuRatio,
      what: `${result.image}, preprocess vs sharp decode-only`,
      measured: ours ? `${fmt(ours.imagesPerSec)} images/s` : '-',
      reference: ref ? `${fmt(ref.imagesPerSec)} images/s` : '-',
      ratio,
      goal: `>= ${PREPROCESS_MIN_RATIO}x`,
      verdict: ratio === null ? 'NOT RUN' : ratio >= PREPROCESS_MIN_RATIO ? 'PASS' : 'MISS',
    };
  });
}

function pointOf(report: E2eReport | null, target: string): E2ePoint | undefined {
  return report?.targets.find((t) => t.name === target)?.points.find((p) => p.concurrency === E2E_CONCURRENCY);
}

function describePoint(point: E2ePoint | undefined): string {
  if (point === undefined) return '-';
  return `${fmt(point.requestsPerSec)} req/s, p99 ${point.latencyMs.p99} ms${point.ok === point.requests ? '' : `, ${point.requests - point.ok} errors`}`;
}

/** One store's run against a reference run: the ratio of requests/s, and a p99 bound. */
function checkAgainst(report: E2eReport | null, store: string, reference: string, minRatio: number, maxP99Ms: number): TargetCheck {
  const point = pointOf(report, store);
  const ref = pointOf(report, reference);
  const ratio = point && ref ? ratioOf(point.requestsPerSec, ref.requestsPerSec) : null;
  const pass = ratio !== null && point !== undefined && ratio >= minRatio && point.latencyMs.p99 <= maxP99Ms && point.ok === point.requests;
  return {
    area: 'end-to-end',
    cpuRatio: point && ref ? ratioOf(estimateServiceRate(point), estimateServiceRate(ref)) : null,
    what: `canvas PNG, ${store} store, ${E2E_CONCURRENCY} connections, vs ${reference === 'bare' ? 'bare Koa' : `the ${reference} store`}`,
    measured: describePoint(point),
    reference: ref ? `${fmt(ref.requestsPerSec)} req/s` : '-',
    ratio,
    goal: `>= ${minRatio}x and p99 <= ${maxP99Ms} ms`,
    verdict: ratio === null ? 'NOT RUN' : pass ? 'PASS' : 'MISS',
  };
}

/** The embedded store against the HTTP ceiling; Cassandra against the embedded store of the same run. */
export function checkEndToEnd(report: E2eReport | null): TargetCheck[] {
  return [
    checkAgainst(report, 'embedded', 'bare', E2E_MIN_RATIO, E2E_MAX_P99_MS),
    checkAgainst(report, 'cassandra', 'embedded', CASSANDRA_MIN_RATIO, CASSANDRA_MAX_P99_MS),
  ];
}

/** Server CPU (all threads) per canvas prediction at 32 connections, against the bare endpoint's. */
export function checkServerCpu(report: E2eReport | null): TargetCheck {
  const point = pointOf(report, 'embedded');
  const bare = pointOf(report, 'bare');
  const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
  return {
    area: 'server CPU',
    what: `per canvas prediction, embedded store, ${E2E_CONCURRENCY} connections (all threads; by stage below)`,
    measured: point ? ms(point.serverCpuUsPerRequest) : '-',
    reference: bare ? `bare endpoint ${ms(bare.serverCpuUsPerRequest)}` : '-',
    ratio: point && bare ? ratioOf(point.serverCpuUsPerRequest, bare.serverCpuUsPerRequest) : null,
    goal: `<= ${ms(MAX_SERVER_CPU_US)}`,
    verdict: point === undefined ? 'NOT RUN' : point.serverCpuUsPerRequest <= MAX_SERVER_CPU_US ? 'PASS' : 'MISS',
    cpuRatio: null,
  };
}

/**
 * Requests/s a server could reach on an idle machine of `cores` cores, CPU-bound: its JS main
 * thread and its inference thread are one thread each whatever the core count, and the server
 * (all threads) and the load generator share the cores.
 */
export function estimateServiceRate(point: E2ePoint, cores = 2): number {
  const mainUs = point.serverThreadCpuUsPerRequest.node ?? point.serverCpuUsPerRequest;
  const inferenceUs = point.serverThreadCpuUsPerRequest['mnist-inference'] ?? 0;
  return Math.min(
    cpuBoundRate(mainUs, 1),
    inferenceUs > 0 ? cpuBoundRate(inferenceUs, 1) : Infinity,
    cpuBoundRate(point.serverCpuUsPerRequest + point.clientCpuUsPerRequest, cores),
  );
}

/** The heaviest run's peak RSS: the largest VmHWM among the real service's processes. */
export function findPeakMemory(report: E2eReport | null): { target: string; peakRssMiB: number } | null {
  const services = (report?.targets ?? []).filter((t) => t.name !== 'bare');
  if (services.length === 0) return null;
  const worst = services.reduce((a, b) => (b.peakRssMiB > a.peakRssMiB ? b : a));
  return { target: worst.name, peakRssMiB: worst.peakRssMiB };
}

/** The peak RSS of the heaviest run against the bound: PASS, MISS, or NOT RUN without a service run. */
export function checkMemory(report: E2eReport | null): TargetCheck {
  const peak = findPeakMemory(report);
  const bare = report?.targets.find((t) => t.name === 'bare' && t.points.length > 0);
  return {
    area: 'memory',
    what: `peak RSS of the service, heaviest run${peak ? ` (${peak.target})` : ''}`,
    measured: peak ? `${fmt(peak.peakRssMiB)} MiB` : '-',
    reference: bare ? `bare Koa ${fmt(bare.peakRssMiB)} MiB` : '-',
    ratio: null,
    goal: `<= ${MAX_PEAK_RSS_MIB} MiB`,
    verdict: peak === null ? 'NOT RUN' : peak.peakRssMiB <= MAX_PEAK_RSS_MIB ? 'PASS' : 'MISS',
    cpuRatio: null,
  };
}

export const MAX_STARTUP_MS = 3000;

/** `make run` on an up-to-date checkout to ready, against the serve process alone. */
export function checkStartup(result: StartupResult | null): TargetCheck {
  return {
    area: 'start-up',
    what: '`make run` on an up-to-date checkout to /readyz 200 (median)',
    measured: result ? `${(result.makeRunMedianMs / 1000).toFixed(2)} s` : '-',
    reference: result ? `the process alone ${(result.processMedianMs / 1000).toFixed(2)} s` : '-',
    ratio: result ? ratioOf(result.makeRunMedianMs, result.processMedianMs) : null,
    goal: `< ${MAX_STARTUP_MS / 1000} s`,
    verdict: result === null ? 'NOT RUN' : result.makeRunMedianMs < MAX_STARTUP_MS ? 'PASS' : 'MISS',
    cpuRatio: null,
  };
}
