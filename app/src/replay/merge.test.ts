import { describe, expect, it } from 'vitest';
import { createAggregate, recordSample, type Aggregate } from './aggregate.js';
import { mergeReports } from './merge.js';
import type { Outcome, ReplayItem, Sample } from './outcome.js';
import { buildReport, type ReplayReport, type ReportMeta } from './report.js';
import { buildShadowReport, createShadowAggregate } from './shadow.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0) + 0.25;

/** 3,000 synthetic requests over ~6 s: some errors, some wrong digits, a latency tail. */
function syntheticSamples(): Sample[] {
  return Array.from({ length: 3_000 }, (_, k) => {
    const label = k % 10;
    const item: ReplayItem = { sourceIndex: k % 500, body: new Uint8Array(0), contentType: 'image/png', label, recordedDigit: (label + (k % 37 === 0 ? 1 : 0)) % 10 };
    const status = k % 101 === 0 ? 503 : k % 211 === 0 ? 'network' : 201;
    const outcome: Outcome = status === 201 ? { status, id: `id-${k}`, digit: k % 53 === 0 ? (label + 1) % 10 : label, modelVersion: 'm1' } : { status };
    const scheduledAtMs = T0 + k * 2;
    const latencyMs = 1 + (k % 17) * 0.37 + (k % 97 === 0 ? 250 : 0);
    return { requestIndex: k, item, scheduledAtMs, startedAtMs: scheduledAtMs + (k % 5) * 0.01, endedAtMs: scheduledAtMs + latencyMs, outcome };
  });
}

function meta(index: number, count: number): ReportMeta {
  return { source: 'mnist', mode: 'open', url: 'http://svc', concurrency: null, rateRps: 500, shard: { index, count }, clientCpuMs: 100, clientEventLoopDelayP99Ms: 1.5 };
}

function aggregateOf(samples: Sample[]): Aggregate {
  const aggregate = createAggregate(T0);
  for (const s of samples) recordSample(aggregate, s);
  aggregate.verify = { checked: aggregate.ids.length, lost: aggregate.ids.filter((id) => id.endsWith('7')).length, errors: 0 };
  return aggregate;
}

/** The fields that describe the traffic (not which processes produced it). */
function traffic(report: ReplayReport): Omit<ReplayReport, 'shard' | 'clientCpuMs' | 'clientEventLoopDelayP99Ms'> {
  const { shard: _shard, clientCpuMs: _cpu, clientEventLoopDelayP99Ms: _delay, ...rest } = report;
  return rest;
}

describe('mergeReports', () => {
  it('gives the same report as one process when the shards of one replay are merged', () => {
    const samples = syntheticSamples();
    const whole = buildReport(aggregateOf(samples), meta(0, 1));
    const shards = [0, 1, 2, 3].map((i) => {
      const report = buildReport(aggregateOf(samples.filter((s) => s.requestIndex % 4 === i)), meta(i, 4));
      return JSON.parse(JSON.stringify(report)) as ReplayReport;
    });
    const { report, missingShards } = mergeReports([shards[2]!, shards[0]!, shards[3]!, shards[1]!]);
    expect(missingShards).toEqual([]);
    expect(traffic(report)).toEqual(traffic(whole));
    expect(report.shard).toEqual({ index: null, count: 4, merged: [0, 1, 2, 3] });
    expect(report.clientCpuMs).toBe(400);
    // The synthetic data has all the cases the sums must carry.
    expect(whole.errorsByStatus).toEqual({ '503': 30, network: 14 });
    expect(whole.lost).toBeGreaterThan(0);
    expect(whole.accuracy).toBeLessThan(1);
    expect(whole.agreement).toBeLessThan(1);
    expect(whole.latencyMs.max).toBeGreaterThan(250);
  });

  it('names the shards no report covered', () => {
    const samples = syntheticSamples();
    const one = buildReport(aggregateOf(samples.filter((s) => s.requestIndex % 3 === 1)), meta(1, 3));
    expect(mergeReports([one]).missingShards).toEqual([0, 2]);
  });

  it('refuses the same shard twice and reports of different replays', () => {
    const report = buildReport(aggregateOf(syntheticSamples().slice(0, 10)), meta(0, 2));
    expect(() => mergeReports([report, report])).toThrow(/shard 0\/2 appears twice/);
    const recorded = { ...report, source: 'recorded' as const, shard: { index: 1, count: 2 } };
    expect(() => mergeReports([report, recorded])).toThrow(/different source/);
  });

  it('reports lost as null when any shard skipped verification', () => {
    const samples = syntheticSamples();
    const verified = buildReport(aggregateOf(samples.filter((s) => s.requestIndex % 2 === 0)), meta(0, 2));
    const unverifiedAggregate = aggregateOf(samples.filter((s) => s.requestIndex % 2 === 1));
    unverifiedAggregate.verify = null;
    const unverified = buildReport(unverifiedAggregate, meta(1, 2));
    expect(mergeReports([verified, unverified]).report.lost).toBeNull();
  });

  it('refuses shadow replay reports, whose pair figures it cannot merge', () => {
    const report = buildReport(aggregateOf(syntheticSamples()), meta(0, 1));
    const shadow = buildShadowReport(createShadowAggregate('cand', 'act'));
    expect(() => mergeReports([{ ...report, shadow }])).toThrow(/shadow replay reports \(--shadow\) cannot be merged/);
  });
});
