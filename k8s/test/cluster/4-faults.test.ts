import { beforeAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../lib/names.js';
import { appImage, clusterClients, ensureRelease, kubectlOk, makeDeploy, NAMESPACE, run } from './support/cluster.js';
import { startClusterReplay } from './support/replay-run.js';

/**
 * Faults under load, on real pods: an open-loop replay runs in the cluster while a Cassandra pod
 * is deleted (it comes back on its own volume) and, separately, while the app rolls to a new
 * image tag. Every answer must be a 201 and every 201 readable afterwards.
 */
describe('faults under a cluster replay', () => {
  const clients = clusterClients();

  beforeAll(async () => {
    await ensureRelease();
  });

  async function volumeOf(pod: string): Promise<string> {
    const claim = await clients.core.readNamespacedPersistentVolumeClaim({ name: `data-${pod}`, namespace: NAMESPACE });
    return claim.spec!.volumeName!;
  }

  it('loses nothing and answers no 5xx while a Cassandra pod is deleted and comes back with its volume', async () => {
    const volumeBefore = await volumeOf('cassandra-1');
    const uidBefore = (await clients.core.readNamespacedPod({ name: 'cassandra-1', namespace: NAMESPACE })).metadata!.uid;
    // An open loop well below the release's capacity here (~30 predictions/s on 2 shared cores),
    // so that every failure is the fault's, not overload's.
    const replay = startClusterReplay('replay-cassandra-pod-deleted', { PARALLELISM: '2', RATE: '15', DURATION: '240s' });
    await replay.sending;
    // Graceful, as a node drain or a rollout does it: preStop runs `nodetool drain`.
    await kubectlOk(['delete', 'pod', 'cassandra-1', '--wait=false']);
    await kubectlOk(['wait', '--for=condition=Ready', 'pod/cassandra-1', '--timeout=600s'], 660_000);
    const backMs = Date.now();
    const { code, report, output } = await replay.done;

    const pod = await clients.core.readNamespacedPod({ name: 'cassandra-1', namespace: NAMESPACE });
    expect(pod.metadata!.uid).not.toBe(uidBefore);
    expect(await volumeOf('cassandra-1')).toBe(volumeBefore);
    expect(code, output).toBe(0);
    // The load ran through the whole fault: before the delete until after the pod was back.
    expect(report!.lastSendMs).toBeGreaterThan(backMs);
    expect(report!.requests).toBeGreaterThan(3000);
    expect(report!.errorsByStatus).toEqual({});
    expect(report!.ok).toBe(report!.requests);
    expect(report!.lost).toBe(0);
  });

  it('fails no request while the app rolls to a new image tag', async () => {
    const image = appImage();
    const rolled = `${image}-rolled`;
    const tagged = await run('scripts/images/retag.sh', [image, rolled]);
    expect(tagged.code, tagged.stderr).toBe(0);
    const replay = startClusterReplay('replay-app-rollout', { PARALLELISM: '2', RATE: '15', DURATION: '120s' });
    await replay.sending;
    const deployed = await makeDeploy(rolled);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/ready +deployment\/digits/);
    const rolledMs = Date.now();
    const { code, report, output } = await replay.done;

    const app = await clients.apps.readNamespacedDeployment({ name: NAMES.digits, namespace: NAMESPACE });
    expect(app.spec!.template.spec!.containers[0]!.image).toBe(rolled);
    expect(code, output).toBe(0);
    expect(report!.lastSendMs).toBeGreaterThan(rolledMs);
    expect(report!.errorsByStatus).toEqual({});
    expect(report!.ok).toBe(report!.requests);
    expect(report!.lost).toBe(0);
  });
});
