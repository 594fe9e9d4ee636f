import { DEFAULT_NAMESPACE, LABEL_COMPONENT, type Component } from '../lib/names.js';
import type { KubeObject } from './kube-object.js';

/**
 * The deploy order. Config and Secrets come before anything that mounts them; Cassandra must
 * be ready before the keyspace Job runs; the app starts only once the keyspace exists; the
 * DigitModel controller (its CRD first) last, as its Jobs read the app's config.
 */
export type PhaseName = 'namespace' | 'config' | Component | 'other';

export const PHASE_ORDER: readonly PhaseName[] = ['namespace', 'config', 'cassandra', 'keyspace-bootstrap', 'app', 'replay', 'controller', 'other'];

export interface Phase {
  readonly name: PhaseName;
  readonly objects: readonly KubeObject[];
}

/** Kinds that only hold configuration or identity: applied before any workload, whatever their component. */
const CONFIG_KINDS = new Set([
  'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
  'ResourceQuota', 'LimitRange', 'PriorityClass', 'StorageClass',
]);
const COMPONENTS = new Set<string>(['cassandra', 'keyspace-bootstrap', 'app', 'replay', 'controller']);

/** Which phase an object belongs to: by kind first, then by its component label. */
export function classifyPhase(object: KubeObject): PhaseName {
  if (object.kind === 'Namespace') return 'namespace';
  if (CONFIG_KINDS.has(object.kind)) return 'config';
  const component = object.metadata.labels?.[LABEL_COMPONENT];
  return component !== undefined && COMPONENTS.has(component) ? (component as Component) : 'other';
}

/** The objects grouped into phases in deploy order (empty phases left out, file order kept within one). */
export function planPhases(objects: readonly KubeObject[]): Phase[] {
  return PHASE_ORDER.map((name) => ({ name, objects: objects.filter((o) => classifyPhase(o) === name) })).filter(
    (phase) => phase.objects.length > 0,
  );
}

/** What the deployer waits for after applying an object; null: nothing. */
export type WaitKind = 'rollout' | 'job';

/**
 * Workloads are waited for in their phase. Only the keyspace Job gates what follows; other
 * Jobs (the replay load generator) are started and left to run.
 */
export function chooseWait(object: KubeObject, phase: PhaseName): WaitKind | null {
  if (object.kind === 'StatefulSet' || object.kind === 'Deployment' || object.kind === 'DaemonSet') return 'rollout';
  if (object.kind === 'Job' && phase === 'keyspace-bootstrap') return 'job';
  return null;
}

/** The namespace the release lives in: the one Namespace of the manifests, else the default. */
export function findReleaseNamespace(objects: readonly KubeObject[]): string {
  const namespaces = objects.filter((o) => o.kind === 'Namespace');
  return namespaces.length === 1 ? namespaces[0]!.metadata.name : DEFAULT_NAMESPACE;
}

/** Every namespace the release touches (for pruning), the release namespace first. */
export function listNamespaces(objects: readonly KubeObject[]): string[] {
  const all = new Set([findReleaseNamespace(objects)]);
  for (const o of objects) if (o.metadata.namespace !== undefined) all.add(o.metadata.namespace);
  return [...all];
}
