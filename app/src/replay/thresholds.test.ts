import { describe, expect, it } from 'vitest';
import { createAggregate, recordSample } from './aggregate.js';
import { buildReport, type ReplayReport } from './report.js';
import { checkThresholds, parseThreshold } from './thresholds.js';

/** 100 requests: latencies 1..100 ms, 3 answered 503, 2 records lost on read-back. */
function report(): ReplayReport {
  const a = createAggregate(0);
  for (let k = 0; k < 100; k += 1) {
    const item = { sourceIndex: k, body: new Uint8Array(0), contentType: 'image/png', label: 1, recordedDigit: null };
    const outcome = k < 3 ? { status: 503 } : { status: 201, id: `i${k}`, digit: 1 };
    recordSample(a, { requestIndex: k, item, scheduledAtMs: k, startedAtMs: k, endedAtMs: k + k + 1, outcome });
  }
  a.verify = { checked: 97, lost: 2, errors: 0 };
  const meta = { source: 'mnist', mode: 'closed', url: 'u', concurrency: 1, rateRps: null, shard: { index: 0, count: 1 }, clientCpuMs: 0, clientEventLoopDelayP99Ms: 0 } as const;
  return buildReport(a, meta);
}

describe('checkThresholds', () => {
  it('passes a report within every limit', () => {
    expect(checkThresholds(report(), { maxP99Ms: 100, maxErrorRate: 0.03, maxLost: 2 })).toEqual([]);
  });

  it('names each crossed threshold with its limit and the measured value', () => {
    const violations = checkThresholds(report(), { maxP99Ms: 50, maxErrorRate: 0.01, maxLost: 0 });
    expect(violations).toEqual([
      '--max-p99-ms 50 exceeded: p99 latency was 99.071 ms',
      '--max-error-rate 0.01 exceeded: error rate was 0.03 (3 of 100 requests: 503: 3)',
      '--max-lost 0 exceeded: 2 of 97 acknowledged records were lost',
    ]);
  });

  it('refuses to pass --max-lost when records were not verified', () => {
    const unverified = { ...report(), lost: null, verified: null };
    expect(checkThresholds(unverified, { maxLost: 5 })).toEqual([
      '--max-lost 5 cannot be checked: records were not verified (--no-verify)',
    ]);
  });

  it('rejects threshold values that are not numbers in range', () => {
    expect(parseThreshold('max-error-rate', '0.5', 1)).toBe(0.5);
    expect(() => parseThreshold('max-error-rate', '2', 1)).toThrow(/from 0 to 1/);
    expect(() => parseThreshold('max-p99-ms', 'fast')).toThrow(/--max-p99-ms/);
  });
});
