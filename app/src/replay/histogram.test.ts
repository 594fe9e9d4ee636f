import { describe, expect, it } from 'vitest';
import { bucketIndexOf, highestValueOf, LatencyHistogram } from './histogram.js';

/** A deterministic pseudo-random sequence (LCG) so tests never depend on Math.random. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Exact percentile of sorted values with the same rank rule as the histogram. */
function exactPercentile(sorted: number[], percentile: number): number {
  return sorted[Math.max(1, Math.ceil((percentile / 100) * sorted.length)) - 1]!;
}

describe('LatencyHistogram', () => {
  it('keeps every bucket within 0.2% of the values it holds at 10 bits', () => {
    for (const value of [0, 1, 1023, 1024, 1025, 4095, 65_537, 1_000_003, 123_456_789, 2 ** 33 + 7]) {
      const index = bucketIndexOf(value, 10);
      const high = highestValueOf(index, 10);
      expect(high).toBeGreaterThanOrEqual(value);
      expect(high - value).toBeLessThanOrEqual(Math.max(0, value * 2 ** -9));
      expect(bucketIndexOf(high, 10)).toBe(index);
      expect(bucketIndexOf(high + 1, 10)).toBe(index + 1);
    }
  });

  it('reports percentiles of a long-tailed sample within the bounded relative error', () => {
    const random = lcg(7);
    const values = Array.from({ length: 20_000 }, () => Math.round(200 + 50_000 * random() ** 6));
    const histogram = new LatencyHistogram();
    for (const v of values) histogram.recordUs(v, 1);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exactMs = exactPercentile(sorted, p) / 1000;
      const reported = histogram.percentileMs(p);
      expect(reported).toBeGreaterThanOrEqual(exactMs);
      expect((reported - exactMs) / exactMs).toBeLessThan(0.002);
    }
    expect(histogram.maxMs()).toBe(sorted.at(-1)! / 1000);
    expect(histogram.minMs()).toBe(sorted[0]! / 1000);
  });

  it('gives exactly the same percentiles when shard histograms are merged as when one histogram sees everything', () => {
    const random = lcg(11);
    const whole = new LatencyHistogram();
    const shards = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
    for (let i = 0; i < 9_000; i += 1) {
      const valueMs = 0.3 + 80 * random() ** 4;
      whole.recordMs(valueMs);
      shards[i % 3]!.recordMs(valueMs);
    }
    const merged = new LatencyHistogram();
    for (const shard of shards) merged.merge(LatencyHistogram.fromJSON(shard.toJSON()));
    expect(merged.toJSON()).toEqual(whole.toJSON());
    for (const p of [50, 90, 99, 100]) expect(merged.percentileMs(p)).toBe(whole.percentileMs(p));
  });

  it('survives a JSON round trip unchanged', () => {
    const histogram = new LatencyHistogram(7);
    for (const ms of [0.5, 1, 1, 2.25, 900, 12_000]) histogram.recordMs(ms);
    const copy = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(histogram.toJSON())));
    expect(copy.toJSON()).toEqual(histogram.toJSON());
    expect(copy.meanMs()).toBeCloseTo(histogram.meanMs(), 9);
  });

  it('refuses to merge histograms of different precision', () => {
    expect(() => new LatencyHistogram(10).merge(new LatencyHistogram(7))).toThrow(/precision/);
  });

  it('rejects a serialized histogram whose buckets do not add up to its count', () => {
    const json = { ...new LatencyHistogram().toJSON(), count: 3 };
    expect(() => LatencyHistogram.fromJSON(json)).toThrow(/hold 0 values/);
  });

  it('reports zeros for an empty histogram', () => {
    const empty = new LatencyHistogram();
    expect([empty.percentileMs(99), empty.maxMs(), empty.minMs(), empty.meanMs()]).toEqual([0, 0, 0, 0]);
  });
});
