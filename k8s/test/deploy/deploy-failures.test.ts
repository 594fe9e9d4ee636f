import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../lib/names.js';
import type { Clients } from '../../deploy/clients.js';
import { deploy } from '../../deploy/deploy.js';
import { DeployError } from '../../deploy/errors.js';
import type { KubeObject } from '../../deploy/kube-object.js';
import { createEventLog } from '../../deploy/progress.js';
import { CLUSTER_START_TIMEOUT_MS, ensureLocalCluster, localClients, stopLocalCluster } from './local-cluster.js';
import { find, inNamespace, onFakeNodes, synthesizedManifests, withCrashLoopingApp, withFailingJob, withUnschedulableApp } from './manifests-fixture.js';

const namespace = `mnist-fail-${Date.now().toString(36)}`;
let clients: Clients;
let manifests: KubeObject[];
let startedHere = false;

beforeAll(async () => {
  startedHere = ensureLocalCluster().startedHere;
  clients = localClients();
  manifests = onFakeNodes(inNamespace(await synthesizedManifests(), namespace));
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  if (clients) await clients.objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (startedHere) stopLocalCluster();
});

/** Runs a deploy that must fail and returns its error and event log. */
async function failedDeploy(objects: KubeObject[], timeoutMs: number): Promise<{ error: DeployError; lines: string[] }> {
  const log = createEventLog();
  const error = await deploy(clients, { manifests: objects, timeoutMs, timeoutLabel: `${timeoutMs / 1000}s`, report: log.report }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeployError);
  return { error: error as DeployError, lines: log.events.map((e) => JSON.stringify(e)) };
}

describe('a deploy that cannot succeed says why', () => {
  it('fails naming the keyspace Job when its pod fails, and never applies the app', async () => {
    const { error } = await failedDeploy(withFailingJob(manifests, NAMES.keyspaceBootstrap), 120_000);
    expect(error.message).toMatch(/^job\/keyspace-bootstrap failed: BackoffLimitExceeded: /);
    expect(error.message).toMatch(/container bootstrap of pod keyspace-bootstrap-\w+ exited with code 1 \(Error: simulated by KWOK/);
    // Its log comes through the API server from KWOK's kubelet server (scripts/kube/stages/container.log).
    expect(error.message).toMatch(/last 2 log lines of keyspace-bootstrap-\w+\/bootstrap:\n +simulated by KWOK/);
    expect(await clients.objects.get(find(manifests, 'Deployment', NAMES.digits))).toBeNull();
  });

  it('retries the failed Job on the next deploy, then times out naming the crash-looping container and its log', async () => {
    const { error, lines } = await failedDeploy(withCrashLoopingApp(manifests, NAMES.digits), 20_000);
    expect(lines.some((l) => l.includes('"ref":"job/keyspace-bootstrap","result":"recreated","detail":"its spec changed"'))).toBe(true);
    expect(error.message).toMatch(/^timed out \(--timeout 20s\) waiting for deployment\/digits: 0\/\d ready/);
    expect(error.message).toMatch(/container digits of pod digits-[\w-]+ is crash-looping: restarted 3 times; last exit code 1 \(Error\)/);
    expect(error.message).toMatch(/last 2 log lines of digits-[\w-]+\/digits:\n +simulated by KWOK/);
  });

  it('times out naming the Pending pod and the scheduler event', async () => {
    const { error } = await failedDeploy(withUnschedulableApp(manifests, NAMES.digits), 20_000);
    expect(error.message).toMatch(/^timed out \(--timeout 20s\) waiting for deployment\/digits: 0\/\d ready/);
    // The three KWOK nodes lack the CPU; the three real ones are not where the test placed it.
    expect(error.message).toMatch(/pod digits-[\w-]+ is Pending, not scheduled: 0\/6 nodes are available: 3 Insufficient cpu, 3 node\(s\) didn't match Pod's node affinity\/selector/);
  });
});
