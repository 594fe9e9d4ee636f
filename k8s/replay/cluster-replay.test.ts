import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runClusterReplay, type ClusterReplayOptions } from './cluster-replay.js';
import { describeProgress } from './follow-job.js';
import type { JobView, PodView, ReplayCluster } from './replay-cluster.js';
import type { ClusterReplayPlan, JobManifest } from './replay-manifest.js';

/**
 * The cluster-scale flow above the Kubernetes API: a scripted cluster (Job states in order,
 * pods, and logs recorded from real `replay --shard i/3` runs) and the app's real `replay
 * merge` run as a subprocess from source, exactly as the CLI runs it.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const MERGE_COMMAND = [process.execPath, '--import', 'tsx', path.join(ROOT, 'app/src/cli/index.ts')];
const PLAN: ClusterReplayPlan = { name: 'replay-t', namespace: 'mnist', image: 'img', url: 'http://digits.mnist.svc:80', parallelism: 3, source: 'mnist', n: 30, concurrency: 2 };

function job(active: number, succeeded: number, failed: number, condition?: string): JobView {
  return { uid: 'uid-1', active, succeeded, failed, conditions: condition ? [{ type: condition, reason: condition === 'Failed' ? 'BackoffLimitExceeded' : undefined }] : [] };
}

/** A cluster that walks the Job through `states`, one per read, and serves fixture logs. */
async function scriptedCluster(states: JobView[], pods: PodView[], brokenLogs: Set<string> = new Set()): Promise<ReplayCluster & { created: JobManifest[]; deleted: string[] }> {
  const logs = await Promise.all([0, 1, 2].map((i) => readFile(path.join(HERE, 'fixtures', `pod-shard-${i}.log`), 'utf8')));
  const created: JobManifest[] = [];
  const deleted: string[] = [];
  let reads = 0;
  return {
    namespace: 'mnist',
    created,
    deleted,
    async createJob(manifest) {
      created.push(manifest);
      return states[0]!;
    },
    async readJob() {
      return states[Math.min(reads++, states.length - 1)]!;
    },
    async listPods() {
      return pods;
    },
    async readLog(name) {
      return brokenLogs.has(name) ? 'Error: getaddrinfo ENOTFOUND digits.mnist.svc\n' : logs[Number(name.at(-1))]!;
    },
    async deleteJob(name) {
      deleted.push(name);
    },
  };
}

const succeededPods = [0, 1, 2].map((i): PodView => ({ name: `replay-t-${i}`, index: i, phase: 'Succeeded', reason: null, createdAtMs: 1 }));

describe('cluster-scale replay flow', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function options(extra: Partial<ClusterReplayOptions> = {}): Promise<ClusterReplayOptions & { lines: string[] }> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cluster-replay-'));
    const lines: string[] = [];
    return { timeoutMs: 60_000, workDir: dir, thresholdArgs: [], mergeCommand: MERGE_COMMAND, deleteAfter: false, pollMs: 1, report: (l) => lines.push(l), lines, ...extra };
  }

  it('creates the Job, follows it to completion and merges the three pod reports into one', async () => {
    const cluster = await scriptedCluster([job(3, 0, 0), job(1, 2, 0), job(0, 3, 0, 'Complete')], succeededPods);
    const opts = await options();
    const result = await runClusterReplay(cluster, PLAN, opts);
    expect(result.exitCode).toBe(0);
    expect(cluster.created[0]!.spec).toMatchObject({ completionMode: 'Indexed', completions: 3 });
    const merged = JSON.parse(await readFile(result.mergedFile!, 'utf8')) as Record<string, unknown>;
    expect(merged).toMatchObject({ requests: 30, ok: 30, lost: 0, verified: 30, shard: { index: null, count: 3, merged: [0, 1, 2] } });
    expect(opts.lines).toEqual(expect.arrayContaining(['pods: 0/3 completed, 0 running, 0 pending, 0 failed', 'pods: 2/3 completed, 0 running, 0 pending, 0 failed', 'pods: 3/3 completed, 0 running, 0 pending, 0 failed']));
    expect(opts.lines.join('\n')).toContain('collected 3/3 shard reports');
    expect(await readFile(path.join(dir!, 'merged-latency.svg'), 'utf8')).toMatch(/^<svg /);
    expect(cluster.deleted).toEqual([]);
  });

  it('passes thresholds to the merge and exits 1 when the merged report crosses one', async () => {
    const cluster = await scriptedCluster([job(0, 3, 0, 'Complete')], succeededPods);
    const opts = await options({ thresholdArgs: ['--max-p99-ms', '0.001'], deleteAfter: true });
    const result = await runClusterReplay(cluster, PLAN, opts);
    expect(result.exitCode).toBe(1);
    expect(opts.lines.join('\n')).toMatch(/FAILED {7}--max-p99-ms 0.001 exceeded: p99 latency was [\d.]+ ms/);
    expect(cluster.deleted).toEqual(['replay-t']);
  });

  it('still merges the shards that reported when a pod failed, and exits 1 naming the missing shard', async () => {
    const pods = succeededPods.map((p) => (p.index === 2 ? { ...p, phase: 'Failed', reason: 'Error' } : p));
    const cluster = await scriptedCluster([job(3, 0, 0), job(0, 2, 1, 'Failed')], pods, new Set(['replay-t-2']));
    const opts = await options();
    const result = await runClusterReplay(cluster, PLAN, opts);
    expect(result.exitCode).toBe(1);
    expect(result.follow).toMatchObject({ end: 'failed', detail: 'BackoffLimitExceeded' });
    const merged = JSON.parse(await readFile(result.mergedFile!, 'utf8')) as { requests: number; shard: unknown };
    expect(merged).toMatchObject({ requests: 20, shard: { index: null, count: 3, merged: [0, 1] } });
    expect(opts.lines.join('\n')).toContain('shard 2 (replay-t-2): no report in the log (pod Failed, Error)');
  });

  it('gives up following after the timeout and says where the pods are stuck', async () => {
    const waiting = [0, 1, 2].map((i): PodView => ({ name: `replay-t-${i}`, index: i, phase: 'Pending', reason: 'ImagePullBackOff', createdAtMs: 1 }));
    const cluster = await scriptedCluster([job(0, 0, 0)], waiting);
    const opts = await options({ timeoutMs: 30 });
    const result = await runClusterReplay(cluster, PLAN, opts);
    expect(result).toMatchObject({ exitCode: 1, mergedFile: null, follow: { end: 'timeout' } });
    expect(opts.lines[1]).toBe('pods: 0/3 completed, 0 running, 3 pending, 0 failed; waiting: 3 ImagePullBackOff');
    expect(opts.lines.join('\n')).toContain('shard 0 (replay-t-0): pod not finished (Pending, ImagePullBackOff)');
  });

  it('describes progress with the reasons pods wait', () => {
    const pods: PodView[] = [
      { name: 'a', index: 0, phase: 'Running', reason: null, createdAtMs: 1 },
      { name: 'b', index: 1, phase: 'Pending', reason: null, createdAtMs: 1 },
      { name: 'c', index: 2, phase: 'Pending', reason: 'ErrImagePull', createdAtMs: 1 },
    ];
    expect(describeProgress(job(3, 0, 0), pods, 3)).toBe('pods: 0/3 completed, 1 running, 2 pending, 0 failed; waiting: 1 ErrImagePull');
  });
});
