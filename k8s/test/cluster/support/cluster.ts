import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createClients, type Clients } from '../../../deploy/clients.js';
import { KUBECONFIG_PATH, REPO_ROOT, ensureLocalCluster } from '../../deploy/local-cluster.js';

/**
 * The system tests' view of the local cluster (`make kube-up`): its kubectl, the images `make
 * image` built and loaded, and the release `make deploy` put in namespace `mnist` on the real
 * nodes. Every file of k8s/test/cluster/ calls `ensureRelease()` first, so each can run alone;
 * after the first, a deploy of the same image is a no-op.
 */

export const NAMESPACE = 'mnist';
export const KUBE_ENV = { ...process.env, KUBECONFIG: KUBECONFIG_PATH };

function shellValue(script: string): string {
  const run = spawnSync('bash', ['-c', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script}: ${run.stderr}`);
  return run.stdout.trim();
}

/** The kubectl that scripts/kube/build.sh built (users bring their own). */
export const KUBECTL = path.join(shellValue('source scripts/kube/versions.sh && echo "$KUBE_BIN"'), 'kubectl');

/** The app image of this tree, as `make image` tags it. */
export function appImage(): string {
  return process.env.MNIST_TEST_IMAGE ?? shellValue('scripts/images/app-tag.sh');
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with the local cluster's KUBECONFIG; output kept. */
export function run(command: string, args: readonly string[], timeoutMs = 600_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: KUBE_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function kubectl(args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return run(KUBECTL, ['--namespace', NAMESPACE, ...args], timeoutMs);
}

/** kubectl that must succeed: its stdout. */
export async function kubectlOk(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const result = await kubectl(args, timeoutMs);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `make deploy IMAGE=...`, the command a person runs. */
export function makeDeploy(image: string, extraArgs: readonly string[] = []): Promise<CommandResult> {
  return run('make', ['--no-print-directory', 'deploy', `IMAGE=${image}`, ...extraArgs], 30 * 60_000);
}

let deployed: Promise<void> | undefined;

/** The local cluster is up, its nodes have this tree's images, and the release is deployed in `mnist`. */
export function ensureRelease(): Promise<void> {
  deployed ??= (async () => {
    ensureLocalCluster();
    // The nodes pull from no registry: the images are built here and loaded into each node's
    // containerd (seconds when they are current, as in `make test` after its background build).
    const images = await run('scripts/images/build-all.sh', [], 60 * 60_000);
    if (images.code !== 0) throw new Error(`scripts/images/build-all.sh failed (${images.code}):\n${images.stderr}`);
    const loaded = await run('scripts/kube/load-images.sh', images.stdout.trim().split('\n'), 30 * 60_000);
    if (loaded.code !== 0) throw new Error(`scripts/kube/load-images.sh failed (${loaded.code}):\n${loaded.stderr}`);
    const result = await makeDeploy(appImage());
    if (result.code !== 0) throw new Error(`make deploy failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  })();
  return deployed;
}

export function clusterClients(): Clients {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(KUBECONFIG_PATH);
  return createClients(kubeConfig);
}

/** cqlsh's stderr without the warning it always prints when given a password with -p. */
export function cqlshErrors(stderr: string): string {
  return stderr
    .replace(/Warning: Using a password on the command line interface can be insecure\.\s*/g, '')
    .replace(/Recommendation: use the credentials file to securely provide the password\.\s*/g, '')
    .trim();
}
