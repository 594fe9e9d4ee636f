import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerCluster } from '../../controller/cluster.js';
import { DigitModelController, type LogEvent } from '../../controller/controller.js';
import type { DigitModel } from '../../controller/digit-model.js';
import { createKubeControllerCluster } from '../../controller/kube-cluster.js';
import { LeaderElector } from '../../controller/leader-election.js';
import type { Clients } from '../../deploy/clients.js';
import type { KubeObject } from '../../deploy/kube-object.js';
import { DIGIT_MODEL_API_VERSION } from '../../lib/digit-model-crd.js';
import { RESULT_SCRIPT } from '../../lib/result-script.js';
import { CLUSTER_START_TIMEOUT_MS, ensureLocalCluster, KUBECONFIG_PATH, localClients, stopLocalCluster } from '../deploy/local-cluster.js';
import { find, placeOnFakeNodes, synthesizedManifests } from '../deploy/manifests-fixture.js';
import { KUBECTL, RESULT_ANNOTATION, resultsByStep, serviceAccountKubeConfig, until, waitForCrd } from './controller-fixture.js';

/**
 * The DigitModel controller against the local cluster's real API server, controllers and
 * scheduler, with its Jobs' pods on the KWOK nodes. The CRD, ServiceAccount, Role and
 * RoleBinding are the synthesized ones, and the two controller replicas run in this process
 * with the ServiceAccount's token: what they can do is what the Role grants. KWOK runs no
 * container, so a test stage (scripts/kube/stages/pod-result.yaml) completes each Job's pod
 * with the result its command would have written as termination message; everything from there
 * on (Job controller, pod status, the controller reading it) is the real path.
 */

const namespace = `dm-it-${Date.now().toString(36)}`;
const FAST = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };
let startedHere = false;
let clients: Clients;
let controllerConfig: KubeConfig;
const replicas: { identity: string; controller: DigitModelController; log: LogEvent[]; stop: AbortController; done: Promise<void> }[] = [];

/** The real cluster port, its Jobs' pods sent to KWOK with the result their step would print. */
function onFakeNodes(cluster: ControllerCluster): ControllerCluster {
  return {
    ...cluster,
    watch: cluster.watch.bind(cluster),
    createJob: (job: KubeObject) => {
      const template = (job.spec as { template: Parameters<typeof placeOnFakeNodes>[0] & { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } } }).template;
      placeOnFakeNodes(template);
      const step = template.metadata.labels['mnist-k8s.dev/step']!;
      const model = template.metadata.labels['mnist-k8s.dev/digitmodel']!;
      const result = resultsByStep(model)[step];
      if (model === 'crashing') template.metadata.labels['mnist-k8s.test/kwok-fail'] = 'true';
      else if (result !== undefined) template.metadata.annotations = { ...template.metadata.annotations, [RESULT_ANNOTATION]: JSON.stringify(result) };
      return cluster.createJob(job);
    },
  };
}

function startReplica(identity: string): void {
  const cluster = onFakeNodes(createKubeControllerCluster(controllerConfig, namespace, 'digitmodel-controller'));
  const elector = new LeaderElector(cluster.leases, identity, FAST);
  const log: LogEvent[] = [];
  const jobs = { image: 'mnist-k8s:local', configMapName: 'digits-config', appSecretName: 'cassandra-app' };
  const controller = new DigitModelController({ cluster, elector, jobs, resyncMs: 1_000, log: (e) => log.push(e) });
  const stop = new AbortController();
  replicas.push({ identity, controller, log, stop, done: controller.run(stop.signal) });
}

async function readModel(name: string): Promise<DigitModel> {
  return clients.objects.get({ apiVersion: DIGIT_MODEL_API_VERSION, kind: 'DigitModel', metadata: { name, namespace } }) as unknown as Promise<DigitModel>;
}
async function createModel(name: string, spec: object): Promise<void> {
  await clients.objects.create({ apiVersion: DIGIT_MODEL_API_VERSION, kind: 'DigitModel', metadata: { name, namespace }, spec });
}

beforeAll(async () => {
  startedHere = ensureLocalCluster().startedHere;
  clients = localClients();
  const manifests = await synthesizedManifests();
  await clients.core.createNamespace({ body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  await clients.objects.apply(find(manifests, 'CustomResourceDefinition', 'digitmodels.mnist-k8s.dev'));
  await waitForCrd(clients);
  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) {
    const object = structuredClone(find(manifests, kind, 'digitmodel-controller'));
    object.metadata.namespace = namespace;
    for (const subject of (object as { subjects?: { namespace?: string }[] }).subjects ?? []) subject.namespace = namespace;
    await clients.objects.apply(object);
  }
  const admin = new KubeConfig();
  admin.loadFromFile(KUBECONFIG_PATH);
  controllerConfig = await serviceAccountKubeConfig(admin, admin.makeApiClient(CoreV1Api), namespace, 'digitmodel-controller');
  startReplica('replica-a');
  startReplica('replica-b');
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  for (const replica of replicas) replica.stop.abort();
  await Promise.all(replicas.map((r) => r.done));
  if (clients) await clients.objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (startedHere) stopLocalCluster();
});

describe('the DigitModel controller on the local control plane', () => {
  it('elects one of its two replicas leader on the Lease', async () => {
    await until('one replica leads', () => replicas.filter((r) => r.controller.isLeader).length === 1, 15_000);
    await sleep(FAST.leaseDurationMs);
    const leaders = replicas.filter((r) => r.controller.isLeader);
    expect(leaders).toHaveLength(1);
    const lease = await clients.objects.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'digitmodel-controller', namespace } });
    expect(lease?.spec).toMatchObject({ holderIdentity: leaders[0]!.identity, leaseDurationSeconds: 3 });
  });

  it('runs a retrain Job with the app image, its config and the restricted profile, then the canary, and writes status', async () => {
    await createModel('digits', { retrain: { epochs: 1, seed: 3, mnistSample: 1000 }, canary: { weight: 0.2, durationSeconds: 5 } });
    const job = await until('the retrain Job exists', () => clients.batch.readNamespacedJob({ name: 'digits-retrain-g1', namespace }).catch(() => null), 30_000);
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(container.image).toBe('mnist-k8s:local');
    expect(container.command).toEqual(['node', '-e', RESULT_SCRIPT, '/dev/termination-log', 'dist/app/src/cli/index.js', 'retrain', '--epochs', '1', '--seed', '3', '--mnist-sample', '1000']);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'digits-config' } }]);
    expect(container.env?.map((e) => `${e.name}<-${e.valueFrom?.secretKeyRef?.name}.${e.valueFrom?.secretKeyRef?.key}`)).toEqual([
      'CASSANDRA_USERNAME<-cassandra-app.username', 'CASSANDRA_PASSWORD<-cassandra-app.password',
    ]);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DigitModel', name: 'digits', controller: true });

    const done = await until('the model is Succeeded', async () => {
      const model = await readModel('digits');
      return model.status?.phase === 'Succeeded' ? model : null;
    }, 60_000);
    expect(done.status).toMatchObject({
      observedGeneration: 1, activeVersion: 'digits-v2', candidateVersion: 'digits-v2',
      jobs: { retrain: 'digits-retrain-g1', canary: 'digits-canary-g1' },
      figures: { retrain: { version: 'digits-v2', mnistTestAccuracy: 0.9934 }, canary: { decision: 'promoted' } },
    });
    const conditions = Object.fromEntries((done.status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));
    expect(conditions).toEqual({ Ready: 'True Promoted', Progressing: 'False Succeeded', Retrained: 'True CandidatePublished' });
    const canary = await clients.batch.readNamespacedJob({ name: 'digits-canary-g1', namespace });
    expect(canary.spec!.template.spec!.containers[0]!.command!.slice(-6)).toEqual(['canary', 'digits-v2', '--weight', '0.2', '--duration', '5']);
  });

  it('shows phase, active and candidate versions in kubectl get digitmodels', () => {
    const get = spawnSync(KUBECTL, ['--kubeconfig', KUBECONFIG_PATH, '--namespace', namespace, 'get', 'digitmodels'], { encoding: 'utf8' });
    expect(get.status, get.stderr).toBe(0);
    const [header, row] = get.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
    expect(header).toEqual(['NAME', 'PHASE', 'ACTIVE', 'CANDIDATE', 'AGE']);
    expect(row!.slice(0, 4)).toEqual(['digits', 'Succeeded', 'digits-v2', 'digits-v2']);
  });

  it('records a failed Job as phase Failed with the reason', async () => {
    await createModel('crashing', { retrain: { epochs: 1 } });
    const failed = await until('the model is Failed', async () => {
      const model = await readModel('crashing');
      return model.status?.phase === 'Failed' ? model : null;
    }, 60_000);
    const ready = failed.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'RetrainFailed' });
    expect(ready.message).toMatch(/^Job crashing-retrain-g1 failed \(BackoffLimitExceeded\)/);
  });

  it('hands over to the standby when the leader stops, which then reconciles a new DigitModel', async () => {
    const leader = replicas.find((r) => r.controller.isLeader)!;
    const standby = replicas.find((r) => r !== leader)!;
    leader.stop.abort();
    await leader.done;
    await until('the standby leads', () => standby.controller.isLeader, 10_000);
    await createModel('pinned', { version: 'pinned-v1' });
    const done = await until('the promote ran', async () => {
      const model = await readModel('pinned');
      return model.status?.phase === 'Succeeded' ? model : null;
    }, 60_000);
    expect(done.status).toMatchObject({ activeVersion: 'pinned-v1', jobs: { promote: 'pinned-promote-g1' } });
    expect(standby.log.some((e) => e.event === 'job' && e.job === 'pinned-promote-g1')).toBe(true);
    expect(leader.log.some((e) => e.event === 'job' && e.job === 'pinned-promote-g1')).toBe(false);
  });
});
