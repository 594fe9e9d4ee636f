import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type Clients, createClients } from '../../deploy/clients.js';

/** The repository root (tests run from anywhere). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
/** Written by scripts/kube/up.sh. */
export const KUBECONFIG_PATH = path.join(REPO_ROOT, '.kube/local.kubeconfig');
/** A cold up.sh builds the control plane from source (tens of minutes on 2 cores). */
export const CLUSTER_START_TIMEOUT_MS = 80 * 60_000;

function lastLines(text: string, count = 30): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/**
 * Makes sure the local control plane of `make kube-up` is running: uses it when it is, starts
 * it otherwise. Throws with up.sh's last output lines when it cannot start, so the test fails
 * with the reason. Returns whether this call started it (and so should stop it).
 */
export function ensureLocalCluster(): { readonly startedHere: boolean } {
  const status = spawnSync(path.join(REPO_ROOT, 'scripts/kube/status.sh'), { cwd: REPO_ROOT, encoding: 'utf8' });
  if (status.status === 0) return { startedHere: false };
  const up = spawnSync(path.join(REPO_ROOT, 'scripts/kube/up.sh'), {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: CLUSTER_START_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (up.status !== 0 || !existsSync(KUBECONFIG_PATH)) {
    const why = up.error ? up.error.message : `exit code ${up.status}`;
    throw new Error(`could not start the local control plane (scripts/kube/up.sh: ${why}):\n${lastLines(`${up.stdout}${up.stderr}`)}`);
  }
  return { startedHere: true };
}

/** Stops the control plane (used only when the tests started it). */
export function stopLocalCluster(): void {
  spawnSync(path.join(REPO_ROOT, 'scripts/kube/down.sh'), { cwd: REPO_ROOT, encoding: 'utf8' });
}

/** Deployer clients for the local control plane's kubeconfig. */
export function localClients(): Clients {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(KUBECONFIG_PATH);
  return createClients(kubeConfig);
}
