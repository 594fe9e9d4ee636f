import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigitModel } from '../../controller/digit-model.js';
import type { Clients } from '../../deploy/clients.js';
import type { KubeObject } from '../../deploy/kube-object.js';
import { DIGIT_MODEL_API_VERSION } from '../../lib/digit-model-crd.js';
import { find, synthesizedManifests } from '../deploy/manifests-fixture.js';
import { until, waitForCrd } from '../controller/controller-fixture.js';
import { appImage, clusterClients, run } from './support/cluster.js';
import { ensureLocalCluster } from '../deploy/local-cluster.js';

/**
 * The DigitModel controller in real pods on the real nodes, in a namespace of its own (Pod
 * Security "restricted" enforced): the synthesized CRD, RBAC and Deployment with this tree's
 * image, so the controller runs from the image with in-cluster credentials, elects a leader on
 * its Lease and starts a lifecycle Job in a real pod. The Job asks to promote a version no
 * registry has, so whatever the app's CLI does with it, it fails, and what it printed must reach
 * the DigitModel's status through the container's termination message (the log's tail, as the
 * command wrote no result). The successful flow, which needs the app's lifecycle commands and
 * Cassandra, is the end-to-end test.
 */

const namespace = `dm-pods-${Date.now().toString(36)}`;
let clients: Clients;

function inTestNamespace(object: KubeObject, image: string): KubeObject {
  const copy = structuredClone(object);
  copy.metadata.namespace = namespace;
  for (const subject of (copy as { subjects?: { namespace?: string }[] }).subjects ?? []) subject.namespace = namespace;
  const pod = (copy.spec as { template?: { spec: { containers: { image: string; env?: { name: string; value?: string }[] }[] } } } | undefined)?.template?.spec;
  for (const container of pod?.containers ?? []) {
    container.image = image;
    for (const entry of container.env ?? []) if (entry.name === 'LIFECYCLE_IMAGE') entry.value = image;
  }
  return copy;
}

beforeAll(async () => {
  ensureLocalCluster();
  const built = await run('scripts/images/app.sh', [], 60 * 60_000);
  if (built.code !== 0) throw new Error(`scripts/images/app.sh failed:\n${built.stderr}`);
  const loaded = await run('scripts/kube/load-images.sh', [appImage()], 30 * 60_000);
  if (loaded.code !== 0) throw new Error(`scripts/kube/load-images.sh failed:\n${loaded.stderr}`);
  clients = clusterClients();
  const manifests = await synthesizedManifests();
  await clients.core.createNamespace({ body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  await clients.objects.apply(find(manifests, 'CustomResourceDefinition', 'digitmodels.mnist-k8s.dev'));
  await waitForCrd(clients);
  // The Jobs read the app's ConfigMap and Secret: here without Cassandra (the embedded store).
  await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'digits-config' }, data: { DATA_DIR: '/var/lib/mnist' } } });
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'cassandra-app' }, stringData: { username: 'unused', password: 'unused' } } });
  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'Deployment']) {
    await clients.objects.apply(inTestNamespace(find(manifests, kind, 'digitmodel-controller'), appImage()));
  }
}, 60 * 60_000);

afterAll(async () => {
  if (clients) await clients.objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

describe('the DigitModel controller in real pods', () => {
  it('runs both replicas from the app image, ready, one holding the Lease', async () => {
    await until('2 controller pods are ready', async () => {
      const deployment = await clients.apps.readNamespacedDeployment({ name: 'digitmodel-controller', namespace });
      return deployment.status?.readyReplicas === 2;
    }, 300_000);
    const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=controller' })).items;
    const lease = await until('the Lease has a holder', async () => {
      const live = await clients.objects.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'digitmodel-controller', namespace } });
      return (live?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ? live : null;
    }, 60_000);
    expect(pods.map((p) => p.metadata!.name)).toContain((lease.spec as { holderIdentity: string }).holderIdentity);
  });

  it("runs a lifecycle Job in a real pod and brings the command's own words to status when it fails", async () => {
    await clients.objects.create({ apiVersion: DIGIT_MODEL_API_VERSION, kind: 'DigitModel', metadata: { name: 'digits', namespace }, spec: { version: 'no-such-version' } });
    const model = await until('the DigitModel is Failed', async () => {
      const live = (await clients.objects.get({ apiVersion: DIGIT_MODEL_API_VERSION, kind: 'DigitModel', metadata: { name: 'digits', namespace } })) as unknown as DigitModel | null;
      return live?.status?.phase === 'Failed' ? live : null;
    }, 600_000);
    expect(model.status?.jobs).toEqual({ promote: 'digits-promote-g1' });
    const ready = model.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'PromoteFailed' });
    // The pod's termination message: the tail of what the command printed before it failed.
    expect(ready.message).toMatch(/^Job digits-promote-g1 failed \(BackoffLimitExceeded\): .*; last output: .+/);
    const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: 'mnist-k8s.dev/digitmodel=digits' })).items;
    expect(pods).toHaveLength(1);
    const terminated = pods[0]!.status!.containerStatuses![0]!.state!.terminated!;
    expect(terminated.exitCode).not.toBe(0);
    expect(ready.message).toContain(terminated.message!.trim().split('\n').at(-1)!.trim());
  });
});
