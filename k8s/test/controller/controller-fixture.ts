import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, type CoreV1Api } from '@kubernetes/client-node';
import type { Clients } from '../../deploy/clients.js';
import { DIGIT_MODEL_CRD_NAME } from '../../lib/digit-model-crd.js';

export { KUBECTL } from '../cluster/support/cluster.js';

/** Read by scripts/kube/stages/pod-result.yaml: KWOK completes the pod with this termination message. */
export const RESULT_ANNOTATION = 'mnist-k8s.test/kwok-result';

/** What each lifecycle command of the app prints last (docs/model-lifecycle.md), for a model. */
export function resultsByStep(model: string): Record<string, object> {
  return {
    retrain: { version: `${model}-v2`, parent: `${model}-v1`, mnistTestAccuracy: 0.9934, heldOutCorrectionAccuracy: 0.875 },
    canary: { version: `${model}-v2`, decision: 'promoted', figures: { livePredictions: 120, liveFailureRate: 0 } },
    promote: { active: `${model}-v1`, canary: null, revision: 2 },
  };
}

/**
 * Polls `check` until it returns something other than null/false/undefined, and returns that;
 * fails naming `what` after `timeoutMs`.
 */
export async function until<T>(what: string, check: () => T | null | false | undefined | Promise<T | null | false | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting until ${what}`);
    await sleep(200);
  }
}

/** Waits until the API server serves DigitModels (the CRD's Established condition). */
export async function waitForCrd(clients: Clients): Promise<void> {
  await until('the DigitModel CRD is established', async () => {
    const crd = await clients.objects.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: DIGIT_MODEL_CRD_NAME } });
    const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    return conditions.some((c) => c.type === 'Established' && c.status === 'True');
  }, 30_000);
}

/**
 * A kubeconfig that authenticates as a ServiceAccount (a short-lived token from the TokenRequest
 * API), against the same server as `admin`: what a pod of the controller's Deployment gets.
 */
export async function serviceAccountKubeConfig(admin: KubeConfig, core: CoreV1Api, namespace: string, serviceAccount: string): Promise<KubeConfig> {
  const request = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = admin.getCurrentCluster();
  if (cluster === null || !request.status?.token) throw new Error('no cluster in the kubeconfig, or no token from the TokenRequest API');
  const config = new KubeConfig();
  config.loadFromClusterAndUser(cluster, { name: serviceAccount, token: request.status.token });
  return config;
}
