import { describe, expect, it } from 'vitest';
import type { ClassifierBenchResult } from '../../bench/classifier-bench.js';
import type { E2ePoint, E2eTarget } from '../../bench/e2e-bench.js';
import { formatTable } from '../../bench/report-markdown.js';
import {
  checkClassifier, checkEndToEnd, checkMemory, checkPreprocess, checkServerCpu, checkStartup, estimateServiceRate, findPeakMemory, type PreprocessReport,
} from '../../bench/report-targets.js';

/** The benchmark's judgement (ratios, PASS/MISS) and its table formatting, on made-up numbers. */

function point(concurrency: number, requestsPerSec: number, p99: number, errors = 0): E2ePoint {
  return {
    concurrency, requests: 1000, ok: 1000 - errors, errorsByStatus: errors ? { '503': errors } : {}, seconds: 8, requestsPerSec,
    latencyMs: { p50: p99 / 2, p90: p99 * 0.8, p99, max: p99 * 2, mean: p99 / 2 }, accuracy: null, clientCpuUsPerRequest: 100,
    serverCpuUsPerRequest: 500, serverSysCpuUsPerRequest: 50, serverCores: 1, serverThreadCpuUsPerRequest: { node: 500 }, meanBatchSize: null, cassandraCpuUsPerRequest: null, otherCores: 0,
    monotonicWindowUs: { start: 0, end: 8_000_000 },
  };
}

function target(name: E2eTarget['name'], points: E2ePoint[], peakRssMiB = 200): E2eTarget {
  return { name, command: 'node x', readiness: null, readinessAfter: null, sampleResponse: null, points, peakRssMiB, logFile: 'x.log', cpuProfileDir: null };
}

describe('benchmark targets', () => {
  it('compares the service classifier with onnxruntime batch by batch and calls 0.4x a miss', () => {
    const result = {
      backend: 'onnxruntime',
      rows: [
        { runtime: 'service-onnxruntime', batch: 1, imagesPerSec: 400 }, { runtime: 'onnxruntime', batch: 1, imagesPerSec: 1000 },
        { runtime: 'service-onnxruntime', batch: 32, imagesPerSec: 600 }, { runtime: 'onnxruntime', batch: 32, imagesPerSec: 1000 },
        { runtime: 'service-wasm', batch: 32, imagesPerSec: 60 }, { runtime: 'onnxruntime-1thread', batch: 32, imagesPerSec: 100 },
      ],
    } as unknown as ClassifierBenchResult;
    const checks = checkClassifier(result);
    expect(checks.map((c) => [c.what, c.ratio, c.verdict])).toEqual([
      ['batch 1, service-onnxruntime vs onnxruntime', 0.4, 'MISS'],
      ['batch 32, service-onnxruntime vs onnxruntime', 0.6, 'PASS'],
    ]);
  });

  it('estimates the CPU-bound ratio from CPU per image: one wasm thread against onnxruntime on every core', () => {
    const result = {
      backend: 'wasm', cores: 2,
      rows: [
        { runtime: 'service-wasm', batch: 32, imagesPerSec: 900, cpuMsPerImage: 0.4 },
        { runtime: 'onnxruntime', batch: 32, imagesPerSec: 1000, cpuMsPerImage: 0.3 },
        { runtime: 'onnxruntime-1thread', batch: 32, imagesPerSec: 1000, cpuMsPerImage: 0.1 },
      ],
    } as unknown as ClassifierBenchResult;
    // 2,500 images/s on one thread against 2 x 10,000 on two cores.
    expect(checkClassifier(result)[0]).toMatchObject({ ratio: 0.9, verdict: 'PASS', cpuRatio: 0.125 });
    // onnxruntime in the service spreads a batch over every core too: only the CPU per image differs.
    const native = { ...result, backend: 'onnxruntime', rows: result.rows.map((r) => (r.runtime === 'service-wasm' ? { ...r, runtime: 'service-onnxruntime', cpuMsPerImage: 0.2 } : r)) };
    expect(checkClassifier(native)[0]).toMatchObject({ cpuRatio: 0.5 });
  });

  it('bounds an idle-machine estimate by the JS main thread, the inference thread and the cores the client shares', () => {
    const mainThreadBound = { ...point(32, 0, 1), serverCpuUsPerRequest: 1200, serverThreadCpuUsPerRequest: { node: 1000, 'libvips worker': 200 }, clientCpuUsPerRequest: 100 };
    expect(estimateServiceRate(mainThreadBound)).toBe(1000);
    const coreBound = { ...point(32, 0, 1), serverCpuUsPerRequest: 300, serverThreadCpuUsPerRequest: { node: 100, 'libvips worker': 200 }, clientCpuUsPerRequest: 100 };
    expect(estimateServiceRate(coreBound)).toBe(5000);
    const inferenceBound = { ...point(32, 0, 1), serverCpuUsPerRequest: 900, serverThreadCpuUsPerRequest: { node: 400, 'mnist-inference': 500 }, clientCpuUsPerRequest: 100 };
    expect(estimateServiceRate(inferenceBound)).toBe(2000);
  });

  it('judges preprocessing against sharp decode-only of the same image', () => {
    const report: PreprocessReport = {
      results: [
        { image: 'canvas', rows: [{ pipeline: 'preprocess', imagesPerSec: 300 }, { pipeline: 'decode-only', imagesPerSec: 1000 }] },
        { image: 'mnist', rows: [{ pipeline: 'preprocess', imagesPerSec: 500 }, { pipeline: 'decode-only', imagesPerSec: 1000 }] },
      ],
    };
    expect(checkPreprocess(report).map((c) => c.verdict)).toEqual(['MISS', 'PASS']);
  });

  it('needs both the 0.25x ratio and a p99 within 30 ms at 32 connections', () => {
    const report = {
      targets: [
        target('bare', [point(32, 10_000, 5)]),
        target('embedded', [point(1, 9000, 1), point(32, 3000, 35)]),
        target('cassandra', [point(32, 2600, 15)]),
      ],
    };
    const [embedded, cassandra] = checkEndToEnd(report);
    expect(embedded).toMatchObject({ ratio: 0.3, verdict: 'MISS' });
    // Cassandra is judged against the embedded store of the same run: 0.5x and 150 ms.
    expect(cassandra).toMatchObject({ ratio: 0.867, verdict: 'PASS', what: expect.stringContaining('vs the embedded store') });
    const slowCassandra = { targets: [...report.targets.slice(0, 2), target('cassandra', [point(32, 2600, 151)])] };
    expect(checkEndToEnd(slowCassandra)[1]).toMatchObject({ verdict: 'MISS' });
  });

  it('judges server CPU per prediction against 0.7 ms and start-up against 3 s', () => {
    const report = { targets: [target('bare', [{ ...point(32, 9000, 5), serverCpuUsPerRequest: 90 }], 100), target('embedded', [{ ...point(32, 2000, 20), serverCpuUsPerRequest: 650 }], 280)] };
    expect(checkServerCpu(report)).toMatchObject({ measured: '0.65 ms', reference: 'bare endpoint 0.09 ms', verdict: 'PASS' });
    expect(checkServerCpu({ targets: [target('embedded', [{ ...point(32, 2000, 20), serverCpuUsPerRequest: 701 }])] })).toMatchObject({ verdict: 'MISS' });
    expect(checkServerCpu(null).verdict).toBe('NOT RUN');
    const startup = { runs: 3, makeRunMs: [1500, 1400, 3100], makeRunMedianMs: 1500, processMs: [1300, 1200, 1250], processMedianMs: 1250, backend: 'onnxruntime' };
    expect(checkStartup(startup)).toMatchObject({ measured: '1.50 s', ratio: 1.2, verdict: 'PASS' });
    expect(checkStartup({ ...startup, makeRunMedianMs: 3000 }).verdict).toBe('MISS');
    expect(checkMemory(report)).toMatchObject({ measured: '280 MiB', reference: 'bare Koa 100 MiB', verdict: 'PASS' });
  });

  it('does not pass a run that had errors, and says NOT RUN for a missing store', () => {
    const report = { targets: [target('bare', [point(32, 1000, 5)]), target('embedded', [point(32, 900, 5, 3)])] };
    const [embedded, cassandra] = checkEndToEnd(report);
    expect(embedded?.verdict).toBe('MISS');
    expect(embedded?.measured).toContain('3 errors');
    expect(cassandra?.verdict).toBe('NOT RUN');
  });

  it('reports the largest peak RSS among the service processes, not the bare ceiling', () => {
    const report = { targets: [target('bare', [point(32, 1, 1)], 900), target('embedded', [point(32, 1, 1)], 250), target('cassandra', [point(32, 1, 1)], 310)] };
    expect(findPeakMemory(report)).toEqual({ target: 'cassandra', peakRssMiB: 310 });
    expect(findPeakMemory(null)).toBeNull();
  });

  it("judges the heaviest run's peak RSS against the 300 MiB bound", () => {
    const within = { targets: [target('bare', [], 900), target('embedded', [], 230), target('embedded-large', [], 300)] };
    expect(checkMemory(within)).toMatchObject({ area: 'memory', what: 'peak RSS of the service, heaviest run (embedded-large)', measured: '300 MiB', verdict: 'PASS' });
    expect(checkMemory({ targets: [target('embedded', [], 301)] }).verdict).toBe('MISS');
    expect(checkMemory(null).verdict).toBe('NOT RUN');
  });

  it('formats a markdown table with right-aligned numeric columns and escaped pipes', () => {
    const table = formatTable(['name', 'req/s'], [['a|b', '1,234'], ['c', '5']]);
    expect(table.split('\n')).toEqual(['| name | req/s |', '|---|---:|', '| a\\|b | 1,234 |', '| c | 5 |']);
  });
});
