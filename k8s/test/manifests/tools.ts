import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { REPO_ROOT } from '../../generated-files.js';
import type { KubeObject } from '../../lib/manifest-walk.js';

/**
 * The real tools the manifest tests run: a `helm` built from the Go module proxy and PyPI's
 * `kubernetes-validate`, both cached outside the repo by scripts/setup/. When one is missing the
 * test runs its setup script (as `make test` does first) and fails with that script's output if
 * it cannot be installed.
 */

const CACHE = process.env.MNIST_CACHE ?? path.join(homedir(), '.cache', 'mnist-k8s');
export const HELM_VERSION = '3.22.0';
/** Newest Kubernetes kind ships (kind v0.33.0 defaults to kindest/node:v1.37.0) and the local control plane's minor. */
export const KUBERNETES_VERSIONS = ['1.37.0', '1.36.0'] as const;

function ensureTool(binary: string, setupScript: string, env: Record<string, string> = {}): string {
  if (!existsSync(binary)) {
    try {
      execFileSync(path.join(REPO_ROOT, setupScript), { stdio: 'pipe', env: { ...process.env, ...env }, timeout: 590_000 });
    } catch (error) {
      const output = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new Error(`${setupScript} could not install ${path.basename(binary)}:\n${output.slice(-2000)}`);
    }
  }
  if (!existsSync(binary)) throw new Error(`${setupScript} ran but ${binary} is missing`);
  return binary;
}

export function ensureHelm(): string {
  return ensureTool(path.join(CACHE, 'bin', `helm-v${HELM_VERSION}`), 'scripts/setup/helm.sh', { HELM_VERSION });
}

export function ensureKubernetesValidate(): string {
  return ensureTool(path.join(CACHE, 'bin', 'kubernetes-validate'), 'scripts/setup/kubernetes-validate.sh');
}

/** Parses a multi-document YAML file or text into its objects (empty documents dropped). */
export function loadObjects(source: { file: string } | { text: string }): KubeObject[] {
  const text = 'file' in source ? readFileSync(source.file, 'utf8') : source.text;
  return yaml.loadAll(text).filter((doc): doc is KubeObject => doc !== null && typeof doc === 'object');
}

/** `Kind/namespace/name`, the identity two renderings are compared by. */
export function objectKey(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
