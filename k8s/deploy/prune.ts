import { DeployError } from './errors.js';
import { LABEL_PART_OF, PART_OF } from '../lib/names.js';
import { type KubeObject, toKey, toRef } from './kube-object.js';
import { FIELD_MANAGER, type ObjectClient } from './object-client.js';
import { PHASE_ORDER, classifyPhase } from './plan.js';
import type { Report } from './progress.js';
import type { ResourceInfo } from './resource-catalog.js';

/**
 * Kinds a release may have held beyond the ones in the current manifests (an object whose
 * kind left the manifests altogether must still be found). Namespaces are never pruned: that
 * would delete everything in them.
 */
const PRUNABLE_KINDS: readonly (readonly [string, string])[] = [
  ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'Service'], ['v1', 'ServiceAccount'],
  ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['policy/v1', 'PodDisruptionBudget'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['networking.k8s.io/v1', 'Ingress'], ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
];

/**
 * An object is ours to prune only if it carries the part-of label, was applied by the
 * deployer (an Apply entry of our field manager: pods, ReplicaSets and generated Secrets
 * copy the label but were never applied), is owned by nothing, and is not being deleted.
 */
export function isPrunable(object: KubeObject, desiredKeys: ReadonlySet<string>): boolean {
  if (desiredKeys.has(toKey(object))) return false;
  if (object.metadata.labels?.[LABEL_PART_OF] !== PART_OF) return false;
  if (object.metadata.deletionTimestamp !== undefined) return false;
  if ((object.metadata.ownerReferences ?? []).length > 0) return false;
  return (object.metadata.managedFields ?? []).some((f) => f.manager === FIELD_MANAGER && f.operation === 'Apply');
}

/** Discovery info of a kind, or null when this API server does not serve it (nothing to prune). */
async function servedResource(client: ObjectClient, apiVersion: string, kind: string): Promise<ResourceInfo | null> {
  try {
    return await client.catalog.resolve(apiVersion, kind);
  } catch (error) {
    if (error instanceof DeployError) return null;
    throw error;
  }
}

/** Deletes the objects of an earlier release that the manifests no longer hold, app first. */
export async function pruneRelease(
  client: ObjectClient,
  desired: readonly KubeObject[],
  namespaces: readonly string[],
  options: { readonly dryRun: boolean; readonly report: Report },
): Promise<KubeObject[]> {
  const desiredKeys = new Set(desired.map(toKey));
  const kinds = new Map<string, readonly [string, string]>();
  for (const entry of PRUNABLE_KINDS) kinds.set(entry[1], entry);
  for (const o of desired) if (o.kind !== 'Namespace') kinds.set(o.kind, [o.apiVersion, o.kind]);

  const found: KubeObject[] = [];
  for (const [apiVersion, kind] of kinds.values()) {
    const info = await servedResource(client, apiVersion, kind);
    if (info === null) continue;
    for (const namespace of info.namespaced ? namespaces : [undefined]) {
      const items = await client.list(apiVersion, kind, namespace, `${LABEL_PART_OF}=${PART_OF}`);
      found.push(...items.filter((o) => isPrunable(o, desiredKeys)));
    }
  }
  // Reverse deploy order: nothing is left running against config that is already gone.
  const rank = (o: KubeObject) => PHASE_ORDER.indexOf(classifyPhase(o));
  found.sort((a, b) => rank(b) - rank(a));
  for (const object of found) {
    await client.delete(object, { dryRun: options.dryRun });
    options.report({ type: 'pruned', ref: toRef(object), dryRun: options.dryRun });
  }
  return found;
}
