import { createHash } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The image's behaviour is the app's: its own test fixtures draw what a person would.
import { drawDigitPng } from '../../../app/test/fixtures/draw-digit.js';
import { REPO_ROOT } from '../../generated-files.js';
import { envArgs, ensureImages, filesWithHostCertificates, freePort, manifestObjects, podEnv, podSpecOf, podman, waitFor, type BuiltImages } from './images.js';

/**
 * The app image `make image` builds from the project's Dockerfile (scripts/images/app.sh): what
 * it holds, and the app running in it as its Deployment runs it (user 1000, read-only root
 * filesystem, no capabilities, a writable /tmp and data volume), answering real requests.
 */

interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
}

let images: BuiltImages;
let config: ImageConfig;
const containerName = `mnist-images-test-app-${process.pid}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-images-app-'));

beforeAll(async () => {
  images = await ensureImages();
  const [inspected] = JSON.parse(await podman(['image', 'inspect', images.app])) as { Config: ImageConfig }[];
  config = inspected!.Config;
}, 1_800_000);

afterAll(async () => {
  await podman(['rm', '--force', '--ignore', containerName]).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The JSON array of the Dockerfile's last `INSTRUCTION [...]` line. */
function dockerfileArray(instruction: string): string[] {
  const lines = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').split('\n').filter((l) => l.startsWith(`${instruction} [`));
  return JSON.parse(lines.at(-1)!.slice(instruction.length + 1)) as string[];
}

/** Runs a shell script in the image as root (to see every file), root filesystem read-only. */
async function inspectAsRoot(script: string): Promise<string> {
  return podman(['run', '--rm', '--read-only', '--network=none', '--user', '0', '--entrypoint', 'sh', images.app, '-c', script]);
}

describe('the app image', () => {
  it("runs as the node user (1000) with the Dockerfile's entrypoint and command", () => {
    expect(config.User).toBe('1000:1000');
    expect(config.Entrypoint).toEqual(dockerfileArray('ENTRYPOINT'));
    expect(config.Cmd).toEqual(dockerfileArray('CMD'));
  });

  it('holds no toolchain, no test files and no .git', async () => {
    const found = await inspectAsRoot(`
      for tool in gcc g++ cc c++ make python3 python; do command -v "$tool" || true; done
      find / -xdev \\( -name '*.test.ts' -o -name .git -o -path /app/app/test -o -path /app/k8s \\) -print`);
    expect(found.trim()).toBe('');
  });

  it("keeps none of the host's build settings: its CA bundle, npm config or apt sources", async () => {
    const hostCa = createHash('sha256').update(readFileSync('/etc/ssl/certs/ca-certificates.crt')).digest('hex');
    const certificates = await inspectAsRoot("find / -xdev -type f \\( -name '*.crt' -o -name '*.pem' \\) -exec sha256sum {} +");
    expect(certificates).not.toContain(hostCa);
    expect(await filesWithHostCertificates(images.app)).toEqual([]);
    // /usr/local/etc stays the empty mount point of the build's npmrc; Debian's own apt sources.
    const settings = await inspectAsRoot('echo "$(ls -A /usr/local/etc)|$(ls -A /etc/apt/sources.list.d)|$(ls -A /root/.npmrc /home/node/.npmrc 2>/dev/null)"');
    expect(settings.trim()).toBe('|debian.sources|');
  });

  it('serves /healthz and a real prediction with a read-only root filesystem, as its pod runs it', async () => {
    const objects = manifestObjects();
    const container = podSpecOf(objects, 'Deployment', 'digits').containers[0]!;
    const env = podEnv(container, objects, { namespace: 'mnist', podIP: '127.0.0.1' });
    // No Cassandra in this test: the embedded store, in the pod's data volume.
    for (const name of Object.keys(env)) if (name.startsWith('CASSANDRA_')) delete env[name];
    const port = await freePort();
    Object.assign(env, { PORT: String(port), HOST: '127.0.0.1' });
    chownSync(dataDir, 1000, 1000);
    const mounts = (container.volumeMounts ?? []).flatMap((m) =>
      m.mountPath === '/tmp' ? ['--tmpfs', '/tmp:rw,size=64m'] : ['--volume', `${dataDir}:${m.mountPath}`]);

    await podman(['run', '--detach', '--name', containerName, '--read-only', '--user', '1000:1000', '--cap-drop=all',
      '--security-opt=no-new-privileges', '--network=host', ...mounts, ...envArgs(env), images.app, ...(container.args ?? [])]);
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the app answers /healthz', 120_000, async () => {
      const state = (await podman(['inspect', '--format', '{{.State.Status}}', containerName])).trim();
      if (state !== 'running') throw new Error(`container ${state}: ${await podman(['logs', containerName])}`);
      return (await fetch(`${base}/healthz`)).ok ? true : undefined;
    });

    const response = await fetch(`${base}/api/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(await drawDigitPng(3)),
    });
    const body = (await response.json()) as { digit: number; backend: string };
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.digit).toBe(3);
    // The image ships onnxruntime-node and model.onnx: the fastest backend, picked by INFERENCE_BACKEND=auto.
    expect(body.backend).toBe('onnxruntime');
    const ready = await waitFor('the app is ready', 60_000, async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));
    expect(ready).toBe(true);
  });
});
