import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClusterReplay, type ClusterReplayOptions } from '../../replay/cluster-replay.js';
import { createKubeReplayCluster, type ReplayCluster } from '../../replay/replay-cluster.js';
import type { ClusterReplayPlan, JobManifest } from '../../replay/replay-manifest.js';
import { ensureLocalCluster, KUBECONFIG_PATH, REPO_ROOT, stopLocalCluster } from '../deploy/local-cluster.js';
import { placeOnFakeNodes } from '../deploy/manifests-fixture.js';

/**
 * The cluster-scale replay's control logic on the local cluster's KWOK nodes (real API server,
 * controllers and scheduler; KWOK plays the kubelets, fast and failing on command). The real
 * thing, replay pods driving the real app on real nodes, is k8s/test/cluster/. What this proves: the synthesized
 * Job is accepted by the API server under Pod Security "restricted", the Job controller makes
 * one pod per completion index, the CLI follows the Job to Complete (or Failed), finds one
 * finished pod per shard and reads its log through the API server. What it cannot prove: KWOK
 * runs no containers, so pods print no report (the log-to-merged-report path is unit-tested with
 * recorded logs in k8s/replay/cluster-replay.test.ts) and `$(JOB_COMPLETION_INDEX)` is never
 * expanded (a kubelet does that).
 */

type PodTemplate = Parameters<typeof placeOnFakeNodes>[0] & { metadata: { labels: Record<string, string> } };

const MERGE_COMMAND = [process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'app/src/cli/index.ts')];

describe('cluster-scale replay on the local control plane', () => {
  let startedHere = false;
  let kubeConfig: KubeConfig;
  let namespace: string;
  let workDir: string;

  beforeAll(async () => {
    ({ startedHere } = ensureLocalCluster());
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(KUBECONFIG_PATH);
    namespace = `replay-it-${Date.now().toString(36)}`;
    await kubeConfig.makeApiClient(CoreV1Api).createNamespace({
      body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    });
    workDir = await mkdtemp(path.join(os.tmpdir(), 'replay-it-'));
  });
  afterAll(async () => {
    if (namespace) await kubeConfig.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (startedHere) stopLocalCluster();
  });

  function plan(name: string): ClusterReplayPlan {
    return { name, namespace, image: 'mnist-k8s:local', url: `http://digits.${namespace}.svc:80`, parallelism: 3, source: 'mnist', n: 300, concurrency: 4 };
  }

  function options(run: string, lines: string[], extra: Partial<ClusterReplayOptions> = {}): ClusterReplayOptions {
    return { timeoutMs: 120_000, workDir: path.join(workDir, run), thresholdArgs: [], mergeCommand: MERGE_COMMAND, deleteAfter: false, pollMs: 500, report: (l) => lines.push(l), ...extra };
  }

  /** The replay cluster client, its Jobs' pods placed on the KWOK nodes (and `change`d). */
  function onFakeNodes(change: (template: PodTemplate) => void = () => undefined): ReplayCluster {
    const real = createKubeReplayCluster(kubeConfig, namespace);
    return {
      ...real,
      createJob: (manifest: JobManifest) => {
        const template = (manifest.spec as { template: PodTemplate }).template;
        placeOnFakeNodes(template);
        change(template);
        return real.createJob(manifest);
      },
    };
  }

  it('creates the Indexed Job, follows its pods to Complete and reads one finished pod per shard', async () => {
    const lines: string[] = [];
    const result = await runClusterReplay(onFakeNodes(), plan('replay-ok'), options('replay-ok', lines));

    expect(result.follow.end, lines.join('\n')).toBe('complete');
    const job = await kubeConfig.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'replay-ok', namespace });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    expect(job.status?.succeeded).toBe(3);
    expect(job.spec?.template.spec?.containers[0]?.args).toContain('$(JOB_COMPLETION_INDEX)/3');
    expect(lines).toContain('pods: 3/3 completed, 0 running, 0 pending, 0 failed');
    // One pod per index, each finished, its log read through the API server from KWOK's
    // kubelet endpoint: empty, as KWOK runs no container that could print a report.
    expect(result.shards.map((s) => s.index)).toEqual([0, 1, 2]);
    for (const shard of result.shards) {
      expect(shard.pod).toMatch(/^replay-ok-[012]-/);
      expect(shard.problem).toBe('no report in the log (pod Succeeded, Completed)');
    }
    expect(result).toMatchObject({ mergedFile: null, exitCode: 1 });
  });

  it('reports a failed run when its pods fail, and deletes the Job when asked', async () => {
    // KWOK fails pods carrying this label (scripts/kube/stages): a crashing replay image.
    const failing = onFakeNodes((template) => { template.metadata.labels['mnist-k8s.test/kwok-fail'] = 'true'; });
    const lines: string[] = [];
    const result = await runClusterReplay(failing, plan('replay-fail'), options('replay-fail', lines, { deleteAfter: true }));

    expect(result.follow.end, lines.join('\n')).toBe('failed');
    expect(result.exitCode).toBe(1);
    expect(lines.join('\n')).toMatch(/Job replay-fail failed: /);
    expect(lines).toContain('deleted Job replay-fail');
    expect(await failing.readJob('replay-fail')).toBeNull();
  });

  it('refuses to reuse the name of a Job that exists', async () => {
    await expect(runClusterReplay(onFakeNodes(), plan('replay-ok'), options('replay-ok-again', []))).rejects.toThrow(`Job replay-ok already exists in ${namespace}`);
  });
});
