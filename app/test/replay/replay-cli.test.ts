import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedClassifier } from '../../src/inference/classifier.js';
import { readMnistTestSet } from '../../src/mnist/mnist-data.js';
import { parseAnswers } from '../../src/replay/answers-file.js';
import type { ReplayReport } from '../../src/replay/report.js';
import { droppingStore, loadServiceClassifier, startReplayApp, type ReplayApp } from './support/replay-app.js';
import { lastJsonLine, runCli } from './support/run-cli.js';

/**
 * The `replay` command as `make replay` and the replay pods run it (a subprocess of the real
 * CLI) against the real service on loopback: shard reports merge into the report of one
 * process, thresholds gate with a non-zero exit naming the threshold and the value, and lost
 * records are counted against a store that drops some.
 */

const N = 240;

/** The fields that describe the traffic and its answers (not timing, not which processes). */
function answers(report: ReplayReport): Record<string, unknown> {
  const { requests, ok, errors, errorsByStatus, errorRate, accuracy, labelled, correct, lost, verified, verifyErrors, modelVersions } = report;
  return { requests, ok, errors, errorsByStatus, errorRate, accuracy, labelled, correct, lost, verified, verifyErrors, modelVersions };
}

describe('replay command', () => {
  let classifier: LoadedClassifier;
  let app: ReplayApp;
  let dir: string;

  beforeAll(async () => {
    classifier = await loadServiceClassifier();
    app = await startReplayApp({ classifier });
    dir = mkdtempSync(path.join(tmpdir(), 'replay-cli-'));
  });
  afterAll(async () => {
    await app?.close();
    await classifier?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('merges three shard reports into the report one process gives for the same requests', async () => {
    const whole = await runCli(['replay', '--url', app.url, '--n', String(N), '--concurrency', '4', '--out', path.join(dir, 'whole.json')]);
    expect(whole.code, whole.stderr).toBe(0);
    const shards = await Promise.all(
      [0, 1, 2].map((i) => runCli(['replay', '--url', app.url, '--n', String(N), '--concurrency', '2', '--shard', `${i}/3`, '--out', path.join(dir, `shard-${i}.json`)])),
    );
    for (const shard of shards) expect(shard.code, shard.stderr).toBe(0);
    const shardReports = [0, 1, 2].map((i) => JSON.parse(readFileSync(path.join(dir, `shard-${i}.json`), 'utf8')) as ReplayReport);
    expect(shardReports.map((r) => r.requests)).toEqual([80, 80, 80]);

    const merge = await runCli(['replay', 'merge', ...[2, 0, 1].map((i) => path.join(dir, `shard-${i}.json`)), '--out', path.join(dir, 'merged.json')]);
    expect(merge.code, merge.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(path.join(dir, 'merged.json'), 'utf8')) as ReplayReport;
    const single = JSON.parse(readFileSync(path.join(dir, 'whole.json'), 'utf8')) as ReplayReport;
    expect(answers(merged)).toEqual(answers(single));
    expect(merged.shard).toEqual({ index: null, count: 3, merged: [0, 1, 2] });
    expect(merged.histogram.count).toBe(N);
    expect(merged.startedAtMs).toBe(Math.min(...shardReports.map((r) => r.startedAtMs)));
    expect(merged.latencyMs.max).toBe(Math.max(...shardReports.map((r) => r.latencyMs.max)));
    expect(lastJsonLine(merge.stdout)).toEqual(merged);
    expect(readFileSync(path.join(dir, 'merged-latency.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it('exits 1 naming --max-p99-ms and the measured p99 when latency is over the limit', async () => {
    const run = await runCli(['replay', '--url', app.url, '--n', '20', '--max-p99-ms', '0.001', '--max-error-rate', '0.5']);
    expect(run.code, run.stdout.slice(0, 2000)).toBe(1);
    const report = lastJsonLine(run.stdout) as unknown as ReplayReport;
    expect(run.stderr).toContain(`--max-p99-ms 0.001 exceeded: p99 latency was ${report.latencyMs.p99} ms`);
    expect(run.stderr).not.toContain('--max-error-rate');
  });

  it('exits 0 when every threshold holds, and writes one answer row per request with --answers', async () => {
    const answersFile = path.join(dir, 'answers.csv');
    const run = await runCli(['replay', '--url', app.url, '--n', '20', '--max-p99-ms', '60000', '--max-error-rate', '0', '--max-lost', '0', '--answers', answersFile]);
    expect(run.code, run.stderr).toBe(0);
    const rows = parseAnswers(readFileSync(answersFile, 'utf8'));
    expect(rows.map((r) => r.sourceIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const test = await readMnistTestSet();
    expect(rows.every((r) => r.status === '201' && r.label === test.labels[r.sourceIndex])).toBe(true);
    const report = lastJsonLine(run.stdout) as unknown as ReplayReport;
    expect(rows.filter((r) => r.digit === r.label)).toHaveLength(report.correct);
  });

  it('exits 1 naming --max-error-rate when the service cannot be reached', async () => {
    const run = await runCli(['replay', '--url', 'http://127.0.0.1:9', '--n', '10', '--max-error-rate', '0.1', '--no-verify']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--max-error-rate 0.1 exceeded: error rate was 1 (10 of 10 requests: network: 10)');
  });

  it('counts acknowledged predictions the store dropped as lost, and --max-lost fails the run', async () => {
    const leaky = await startReplayApp({ classifier, wrapStore: (store) => droppingStore(store, 10) });
    try {
      const run = await runCli(['replay', '--url', leaky.url, '--n', '50', '--concurrency', '1', '--max-lost', '0']);
      expect(run.code).toBe(1);
      const report = lastJsonLine(run.stdout) as unknown as ReplayReport;
      expect(report).toMatchObject({ ok: 50, lost: 5, verified: 50 });
      expect(run.stderr).toContain('--max-lost 0 exceeded: 5 of 50 acknowledged records were lost');
    } finally {
      await leaky.close();
    }
  });

  it("accepts the ReplayJob construct's form --shards P --shard i", async () => {
    const run = await runCli(['replay', '--url', app.url, '--n', '9', '--shards', '3', '--shard', '1', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(lastJsonLine(run.stdout)).toMatchObject({ shard: { index: 1, count: 3 }, requests: 3 });
  });

  it('rejects contradictory flags with a usage error (exit 2)', async () => {
    const run = await runCli(['replay', '--concurrency', '4', '--rate', '10']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --concurrency (closed loop) or --rate (open loop), not both');
  });
});
