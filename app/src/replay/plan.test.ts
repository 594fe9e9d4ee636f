import { describe, expect, it } from 'vitest';
import { neededItemIndices, parseDurationMs, parseShard, shardRequestCount, shardRequestIndices } from './plan.js';

describe('replay plan', () => {
  it('covers every request exactly once across P shards', () => {
    const total = 1_003;
    const seen = new Map<number, number>();
    for (let index = 0; index < 7; index += 1) {
      const shard = { index, count: 7 };
      const mine = [...shardRequestIndices(shard, total)];
      expect(mine.length).toBe(shardRequestCount(shard, total));
      for (const k of mine) seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('gives a shard the requests i, i+P, i+2P in order', () => {
    expect([...shardRequestIndices({ index: 2, count: 4 }, 15)]).toEqual([2, 6, 10, 14]);
    expect(shardRequestCount({ index: 5, count: 8 }, 4)).toBe(0);
  });

  it('encodes only the items a shard will send', () => {
    expect(neededItemIndices(10, { index: 1, count: 3 }, 10)).toEqual([1, 4, 7]);
    // 25 requests over 10 items wrap around: k = 1, 4, ..., 22 hit items 1,4,7,0,3,6,9,2.
    expect(neededItemIndices(10, { index: 1, count: 3 }, 25)).toEqual([0, 1, 2, 3, 4, 6, 7, 9]);
    // A timed replay may cycle forever: shard 1/4 of 10 items sees the odd items.
    expect(neededItemIndices(10, { index: 1, count: 4 }, undefined)).toEqual([1, 3, 5, 7, 9]);
  });

  it('parses shards and rejects impossible ones', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(() => parseShard('8/8')).toThrow(/0 <= i < P/);
    expect(() => parseShard('1-4')).toThrow(/i\/P/);
  });

  it('parses durations with units, a bare number being seconds', () => {
    expect(parseDurationMs('60s')).toBe(60_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('1.5')).toBe(1_500);
    expect(() => parseDurationMs('soon')).toThrow(/--duration/);
    expect(() => parseDurationMs('0s')).toThrow(/positive/);
  });
});
