import { describe, expect, it } from 'vitest';
import { LiveStatsCollector, MAX_LATENCY_SAMPLES, quantile } from './live-stats.js';

describe('live stats', () => {
  it('reports each called version once per interval, with its p50 and p99, then starts afresh', () => {
    const stats = new LiveStatsCollector();
    for (let ms = 1; ms <= 100; ms += 1) stats.recordAnswer('v1', ms);
    stats.recordAnswer('v2', 7);
    stats.recordFailure('v2');
    const at = new Date('2026-12-04T18:00:00Z');
    expect(stats.drain('pod-a', at)).toEqual([
      { replica: 'pod-a', version: 'v1', at, predictions: 100, failures: 0, p50Ms: 50, p99Ms: 99 },
      { replica: 'pod-a', version: 'v2', at, predictions: 2, failures: 1, p50Ms: 7, p99Ms: 7 },
    ]);
    expect(stats.drain('pod-a', at)).toEqual([]);
  });

  it('keeps a bounded sample of latencies under heavy traffic, counting every prediction', () => {
    const stats = new LiveStatsCollector(() => 0.5);
    for (let i = 0; i < MAX_LATENCY_SAMPLES * 3; i += 1) stats.recordAnswer('v1', i < MAX_LATENCY_SAMPLES ? 1 : 2);
    const [live] = stats.drain('pod-a', new Date());
    expect(live!.predictions).toBe(MAX_LATENCY_SAMPLES * 3);
    expect(live!.p99Ms).toBe(2);
  });

  it('takes quantiles by nearest rank, 0 for no samples', () => {
    expect(quantile([], 0.99)).toBe(0);
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([5], 0.99)).toBe(5);
  });
});
