/**
 * Throughput measurement shared by the in-process benchmarks: run a step repeatedly for a
 * warm-up period (JIT, allocator, thread pools), then for a measured period, and report items
 * per second with the per-step latency distribution. Wall-clock, one step at a time.
 */

export interface RateOptions {
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Stop after this many measured steps even if time remains (keeps slow backends bounded). */
  readonly maxSteps?: number;
}

export interface RateResult {
  /** Items processed in the measured period (a step returns how many it did). */
  readonly items: number;
  readonly steps: number;
  readonly seconds: number;
  readonly itemsPerSec: number;
  readonly stepMs: { readonly p50: number; readonly p99: number; readonly mean: number };
  /** Process CPU time (all threads) per item: less sensitive than the rate to other load on the machine. */
  readonly cpuMsPerItem: number;
}

/** Value at quantile q (0..1) of an ascending-sorted array, nearest-rank; 0 when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Runs `step` (which returns the number of items it processed) and measures the rate. */
export async function measureRate(step: () => Promise<number>, options: RateOptions): Promise<RateResult> {
  const warmupEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmupEnd) await step();
  const durations: number[] = [];
  let items = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + options.durationMs;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  while (durations.length < maxSteps) {
    const t0 = performance.now();
    if (t0 >= end && durations.length > 0) break;
    items += await step();
    durations.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const sorted = Float64Array.from(durations).sort();
  const total = durations.reduce((a, b) => a + b, 0);
  return {
    items,
    steps: durations.length,
    seconds,
    itemsPerSec: items / seconds,
    stepMs: { p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99), mean: total / durations.length },
    cpuMsPerItem: (cpu.user + cpu.system) / 1000 / items,
  };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Rounds for JSON: enough digits to compare runs, no float noise. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
