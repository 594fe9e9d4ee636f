import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../generated-files.js';
import { startContainerd, type Containerd } from './containerd.js';
import { ensureImages, podman, requireTools, type BuiltImages } from './images.js';

/**
 * scripts/images/load.sh, the local node's `kind load docker-image`: the images land in a real
 * containerd's k8s.io namespace under the names kubelet resolves the manifests' references to,
 * a second load of unchanged images imports nothing, and the app image runs there with runc.
 */

const execFileAsync = promisify(execFile);
let images: BuiltImages;
let containerd: Containerd | undefined;

beforeAll(async () => {
  requireTools([['containerd', 'apt-get install containerd'], ['ctr', 'apt-get install containerd'], ['runc', 'apt-get install runc']]);
  images = await ensureImages();
  containerd = await startContainerd();
}, 1_800_000);

afterAll(async () => {
  await containerd?.stop();
});

async function load(names: readonly string[]): Promise<string> {
  const { stderr } = await execFileAsync(path.join(REPO_ROOT, 'scripts/images/load.sh'), names, {
    env: { ...process.env, CONTAINERD_ADDRESS: containerd!.address },
    timeout: 600_000,
  });
  return stderr;
}

describe('scripts/images/load.sh', () => {
  it('imports the images under the names kubelet resolves, once', async () => {
    // As the manifests write them: short names, normalised by the loader.
    const app = images.app.replace(/^docker\.io\/library\//, '');
    const first = await load([app, 'cassandra:5.0', images.pause]);
    expect(first.match(/imported in/g)).toHaveLength(3);
    const names = (await containerd!.ctr(['images', 'ls', '--quiet'])).split('\n');
    expect(names).toEqual(expect.arrayContaining([images.app, 'docker.io/library/cassandra:5.0', 'registry.k8s.io/pause:3.10']));
    expect(images.app).toMatch(/^docker\.io\/library\/mnist-k8s:/);

    const second = await load([app, 'cassandra:5.0', images.pause]);
    expect(second.match(/already in containerd with the same content/g)).toHaveLength(3);
  });

  it('gives a new tag of an image containerd already has a name, without importing it again', async () => {
    const retagged = `${images.app}-retag-${process.pid}`;
    await podman(['tag', images.app, retagged]);
    try {
      expect(await load([retagged])).toContain(`${retagged}: same content as`);
      expect((await containerd!.ctr(['images', 'ls', '--quiet'])).split('\n')).toContain(retagged);
    } finally {
      await podman(['untag', images.app, retagged]);
    }
  });

  it('gives containerd an app image that runs as user 1000 on a read-only root filesystem', async () => {
    const output = await containerd!.ctr(['run', '--rm', '--read-only', images.app, `mnist-images-test-${process.pid}`,
      'node', '-e', 'console.log(`uid ${process.getuid()} node ${process.version}`)'], 120_000);
    expect(output.trim()).toMatch(/^uid 1000 node v22\./);
  });

  it('gives the node a pause image that is one static binary', async () => {
    const output = await containerd!.ctr(['run', '--rm', '--read-only', images.pause, `mnist-images-test-pause-${process.pid}`, '/pause', '-v'], 60_000);
    expect(output.trim()).toMatch(/^pause\.c 3\.10/);
  });
});
