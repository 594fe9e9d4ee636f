import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCassandraConfigScript } from '../../lib/cassandra-config-script.js';
import { envArgs, ensureImages, filesWithHostCertificates, manifestObjects, podEnv, podSpecOf, podman, waitFor, type BuiltImages, type PodContainer } from './images.js';

/**
 * The Cassandra image (scripts/images/cassandra.sh) where the manifests rely on it behaving like
 * the official cassandra:5.0: user 999, its paths and tools, and a real node started the way the
 * StatefulSet starts one: the `config` init container's script on a copy of /etc/cassandra, then
 * the image's entrypoint with the pod's env, read-only root filesystem, the pod's volumes; ready
 * by the pod's own readiness command, cqlsh logging in with authentication on, drained by the
 * preStop command. The container gets a network namespace of its own with loopback only (the
 * "pod IP" is 127.0.0.1), so its ports never meet the local test cluster's on the host.
 */

const CASSANDRA_UID = 999;
let images: BuiltImages;
const work = mkdtempSync(path.join(tmpdir(), 'mnist-images-cassandra-'));
const containerName = `mnist-images-test-cassandra-${process.pid}`;

beforeAll(async () => {
  images = await ensureImages();
}, 1_800_000);

afterAll(async () => {
  await podman(['rm', '--force', '--ignore', '--time', '5', containerName]).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

/** podman run arguments for a pod container: its volumes (emptyDirs and the PVC as host dirs, /tmp as tmpfs). */
function volumeArgs(container: PodContainer): string[] {
  return (container.volumeMounts ?? []).flatMap(({ name, mountPath }) => {
    if (mountPath === '/tmp') return ['--tmpfs', '/tmp:rw,size=256m,mode=1777'];
    const dir = path.join(work, name);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, CASSANDRA_UID, CASSANDRA_UID);
    return ['--volume', `${dir}:${mountPath}`];
  });
}

/** The pod's restricted security context, as podman flags. */
const RESTRICTED = ['--read-only', '--user', `${CASSANDRA_UID}:${CASSANDRA_UID}`, '--cap-drop=all', '--security-opt=no-new-privileges'];

async function execInNode(command: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return podman(['exec', ...envArgs(env), containerName, ...command]);
}

describe('the Cassandra image', () => {
  it("has the official image's user, paths, default command and tools", async () => {
    const [inspected] = JSON.parse(await podman(['image', 'inspect', images.cassandra])) as { Config: { Cmd?: string[] } }[];
    expect(inspected!.Config.Cmd).toEqual(['cassandra', '-f']);
    const report = await podman(['run', '--rm', '--network=none', ...RESTRICTED, '--entrypoint', 'sh', images.cassandra, '-c', `
      echo "user $(id -u cassandra):$(id -g cassandra)"
      for file in cassandra.yaml cassandra-rackdc.properties logback.xml jvm17-server.options; do
        test -s /etc/cassandra/$file && echo "config $file"; done
      for dir in /etc/cassandra /var/lib/cassandra /var/log/cassandra; do echo "dir $dir $(stat -c %u:%g $dir)"; done
      for tool in cqlsh nodetool cassandra sh bash awk grep date; do command -v $tool >/dev/null && echo "tool $tool"; done`]);
    expect(report.trim().split('\n')).toEqual([
      'user 999:999',
      'config cassandra.yaml', 'config cassandra-rackdc.properties', 'config logback.xml', 'config jvm17-server.options',
      'dir /etc/cassandra 999:999', 'dir /var/lib/cassandra 999:999', 'dir /var/log/cassandra 999:999',
      ...['cqlsh', 'nodetool', 'cassandra', 'sh', 'bash', 'awk', 'grep', 'date'].map((tool) => `tool ${tool}`),
    ]);
  });

  it("keeps none of the host's CA certificates (Debian's own bundle only)", async () => {
    expect(await filesWithHostCertificates(images.cassandra)).toEqual([]);
  });

  it('starts as a StatefulSet pod does, reports UN, lets cqlsh log in with authentication on and drains', async () => {
    const objects = manifestObjects();
    const pod = podSpecOf(objects, 'StatefulSet', 'cassandra');
    const init = pod.initContainers![0]!;
    const node = pod.containers[0]!;
    // The init container runs the project's script (the manifest carries it verbatim).
    expect(init.command).toEqual(['sh', '-c', renderCassandraConfigScript()]);
    await podman(['run', '--rm', '--network=none', ...RESTRICTED, ...volumeArgs(init),
      '--entrypoint', init.command![0]!, init.image, ...init.command!.slice(1)]);

    const env = podEnv(node, objects, { namespace: 'mnist', podIP: '127.0.0.1' });
    // The seed's stable DNS name (cassandra-0.cassandra.mnist.svc...) is this pod.
    await podman(['run', '--detach', '--name', containerName, '--network=none', '--add-host', `${env.CASSANDRA_SEEDS}:127.0.0.1`,
      ...RESTRICTED, ...volumeArgs(node), ...envArgs(env), node.image]);

    const readiness = node.readinessProbe!.exec!.command;
    await waitFor('the node reports UN in nodetool status (the readiness probe)', 300_000, async () => {
      const state = (await podman(['inspect', '--format', '{{.State.Status}}', containerName])).trim();
      if (state !== 'running') throw new Error(`container ${state}: ${(await podman(['logs', '--tail', '40', containerName])).slice(-3000)}`);
      await execInNode(readiness);
      return true;
    });
    expect(await execInNode(['sh', '-c', 'HOME=/tmp MAX_HEAP_SIZE=128m nodetool status'])).toMatch(/^UN\s+127\.0\.0\.1\s/m);

    // The default superuser's first login: the keyspace Job's superuser step does the same.
    const cqlsh = ['cqlsh', '127.0.0.1', '9042', '--connect-timeout=10', '-e', 'SELECT cluster_name, data_center, release_version FROM system.local'];
    const selected = await waitFor('cqlsh logs in as cassandra/cassandra', 120_000, () =>
      execInNode([...cqlsh, '-u', 'cassandra', '-p', 'cassandra'], { HOME: '/tmp' }));
    expect(selected).toMatch(/mnist \| +datacenter1 \| +5\.0\.8/);
    await expect(execInNode([...cqlsh, '-u', 'cassandra', '-p', 'wrong'], { HOME: '/tmp' })).rejects.toThrow(/AuthenticationFailed|Bad credentials|Provided username/);

    await execInNode(node.lifecycle!.preStop!.exec!.command);
    const logs = await podman(['logs', containerName]);
    expect(logs).toContain('DRAINED');
  });
});
