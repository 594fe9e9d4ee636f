import type { LiveStats } from '../models/model-registry.js';

/**
 * What this replica saw of each version since its last report: the figures a canary is
 * judged on (failure rate, p99 of the model call). Counted here, in memory, per call; drained
 * into one LiveStats per version every report interval.
 */

/**
 * Latencies kept per version and interval. Beyond it, reservoir sampling keeps a uniform
 * sample, so memory is bounded whatever the traffic and the percentiles stay unbiased.
 */
export const MAX_LATENCY_SAMPLES = 10_000;

interface Interval {
  predictions: number;
  failures: number;
  seen: number;
  readonly latenciesMs: number[];
}

/** The q-quantile (0..1) of `values` by nearest rank; 0 for none. Sorts `values`. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank]!;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export class LiveStatsCollector {
  private intervals = new Map<string, Interval>();

  /** @param random for tests; the reservoir's choice of samples to replace */
  constructor(private readonly random: () => number = Math.random) {}

  private interval(version: string): Interval {
    let interval = this.intervals.get(version);
    if (interval === undefined) {
      interval = { predictions: 0, failures: 0, seen: 0, latenciesMs: [] };
      this.intervals.set(version, interval);
    }
    return interval;
  }

  /** A model call of `version` that answered in `durationMs`. */
  recordAnswer(version: string, durationMs: number): void {
    const interval = this.interval(version);
    interval.predictions += 1;
    interval.seen += 1;
    if (interval.latenciesMs.length < MAX_LATENCY_SAMPLES) {
      interval.latenciesMs.push(durationMs);
    } else {
      const slot = Math.floor(this.random() * interval.seen);
      if (slot < MAX_LATENCY_SAMPLES) interval.latenciesMs[slot] = durationMs;
    }
  }

  /** A model call of `version` that failed (the request was answered by another version, or not at all). */
  recordFailure(version: string): void {
    const interval = this.interval(version);
    interval.predictions += 1;
    interval.failures += 1;
  }

  /** The figures since the last drain, one per version that was called, and a fresh start. */
  drain(replica: string, at: Date): LiveStats[] {
    const intervals = this.intervals;
    this.intervals = new Map();
    return [...intervals].map(([version, interval]) => ({
      replica,
      version,
      at,
      predictions: interval.predictions,
      failures: interval.failures,
      p50Ms: round2(quantile(interval.latenciesMs, 0.5)),
      p99Ms: round2(quantile(interval.latenciesMs, 0.99)),
    }));
  }
}
