import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../lib/names.js';
import { REPO_ROOT } from '../deploy/local-cluster.js';
import { appImage, clusterClients, cqlshErrors, ensureRelease, kubectl, kubectlOk, makeDeploy, NAMESPACE, run } from './support/cluster.js';

/**
 * `make deploy` on the local cluster's real nodes: the real images, the real manifests, real
 * Cassandra in pods (config init container, probes, drain), the keyspace Job with
 * authentication on, the app's pods behind their probes. What a user's first `make kind-up`
 * runs, here on every `make test`.
 */

const ARTIFACTS = path.join(REPO_ROOT, '.artifacts/cluster');

function readySeconds(pod: V1Pod): number | null {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  const created = pod.metadata?.creationTimestamp;
  if (!ready?.lastTransitionTime || !created) return null;
  return (new Date(ready.lastTransitionTime).getTime() - new Date(created).getTime()) / 1000;
}

describe('the release on real pods', () => {
  const clients = clusterClients();

  beforeAll(async () => {
    await ensureRelease();
  });

  it('runs three Cassandra pods, Ready by their own probes, one per node, each on its own volume', async () => {
    const pods = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/component=cassandra' })).items;
    expect(pods.map((p) => p.metadata!.name).sort()).toEqual(['cassandra-0', 'cassandra-1', 'cassandra-2']);
    for (const pod of pods) {
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, pod.metadata!.name).toBe('True');
      expect(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    }
    // Preferred anti-affinity on three real nodes: one Cassandra node per Kubernetes node.
    expect(new Set(pods.map((p) => p.spec!.nodeName)).size).toBe(3);
    const claims = (await clients.core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
    expect(claims.filter((c) => c.status?.phase === 'Bound').map((c) => c.metadata!.name).sort())
      .toEqual(['data-cassandra-0', 'data-cassandra-1', 'data-cassandra-2']);
    // The ring agrees: three nodes Up/Normal, seen from inside a pod.
    const ring = await kubectlOk(['exec', 'cassandra-0', '-c', 'cassandra', '--', 'bash', '-c', 'HOME=/tmp MAX_HEAP_SIZE=128m nodetool status']);
    expect(ring.split('\n').filter((l) => l.startsWith('UN '))).toHaveLength(3);

    const app = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/component=app' })).items;
    const times = {
      cassandra: Object.fromEntries(pods.map((p) => [p.metadata!.name!, readySeconds(p)])),
      app: Object.fromEntries(app.map((p) => [p.metadata!.name!, readySeconds(p)])),
    };
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(path.join(ARTIFACTS, 'pod-ready-seconds.json'), `${JSON.stringify(times, null, 2)}\n`);
  });

  it('bootstrapped the keyspace with authentication on, and the app role may only read and write it', async () => {
    const secret = await clients.core.readNamespacedSecret({ name: 'cassandra-app', namespace: NAMESPACE });
    const user = Buffer.from(secret.data!.username!, 'base64').toString();
    const password = Buffer.from(secret.data!.password!, 'base64').toString();
    const cqlsh = (as: string, pass: string, statement: string) => kubectl(['exec', 'cassandra-1', '-c', 'cassandra', '--',
      'bash', '-c', `HOME=/tmp cqlsh "$POD_IP" 9042 -u '${as}' -p '${pass}' -e "${statement}"`]);

    const anonymous = await kubectl(['exec', 'cassandra-1', '-c', 'cassandra', '--', 'bash', '-c', 'HOME=/tmp cqlsh "$POD_IP" 9042 -e "SELECT now() FROM system.local"']);
    expect(anonymous.code).not.toBe(0);
    expect(`${anonymous.stdout}${anonymous.stderr}`).toMatch(/AuthenticationFailed|Authentication|password/i);

    const read = await cqlsh(user, password, 'SELECT count(*) FROM mnist.schema_migrations');
    expect(cqlshErrors(read.stderr)).toBe('');
    expect(read.code).toBe(0);
    const ddl = await cqlsh(user, password, 'CREATE TABLE mnist.not_allowed (id int PRIMARY KEY)');
    expect(ddl.code).not.toBe(0);
    expect(ddl.stderr).toMatch(/Unauthorized/);
  });

  it('runs the app as on kind: the image of this tree, non-root, read-only root filesystem, Ready', async () => {
    const pods = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/component=app' })).items;
    expect(pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toHaveLength(2);
    expect(pods[0]!.spec!.containers[0]!.image).toBe(appImage());
    const id = await kubectlOk(['exec', pods[0]!.metadata!.name!, '--', 'id', '-u']);
    expect(id.trim()).toBe('1000');
    const write = await kubectl(['exec', pods[0]!.metadata!.name!, '--', 'node', '-e', 'require("fs").writeFileSync("/app/x", "x")']);
    expect(write.stderr).toMatch(/EROFS|read-only file system/);
  });

  it('shows the release in make status', async () => {
    const status = await run('make', ['--no-print-directory', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/ok +cassandra +3\/3 nodes ready/);
    expect(status.stdout).toMatch(/ok +keyspace +/);
    // The image as the nodes report it: the reference, fully qualified.
    expect(status.stdout).toContain(`ok  app        2/2 replicas ready, running docker.io/library/${appImage()} x2`);
  });

  it('changes nothing when make deploy runs again, and says so', async () => {
    const generation = async () => (await clients.apps.readNamespacedDeployment({ name: NAMES.digits, namespace: NAMESPACE })).metadata!.generation;
    const before = await generation();
    const again = await makeDeploy(appImage());
    expect(again.code, again.stderr).toBe(0);
    const last = again.stdout.trim().split('\n').at(-1);
    expect(last).toMatch(/^deployed in \d+s: \d+ unchanged$/);
    expect(again.stdout).not.toMatch(/ (created|configured|recreated)\b/);
    expect(await generation()).toBe(before);
  });
});
