/**
 * Read-only queries over synthesized Kubernetes objects (plain JSON), for the invariant tests and
 * anything else that checks manifests: which objects carry a pod template, their containers, and
 * whether a label selector matches a set of labels.
 */

/** A Kubernetes object as synthesized: loosely typed on purpose, checked field by field. */
export type KubeObject = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { containerPort: number; name?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
}

export interface PodTemplate {
  /** The object that owns the template (Deployment, StatefulSet, Job). */
  owner: KubeObject;
  labels: Record<string, string>;
  spec: { securityContext?: Record<string, unknown>; containers: Container[]; initContainers?: Container[] };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}

/** Pod templates of every workload among `objects`. */
export function podTemplatesOf(objects: readonly KubeObject[]): PodTemplate[] {
  return objects.flatMap((owner) => {
    const template = owner.spec?.template as { metadata?: { labels?: Record<string, string> }; spec?: PodTemplate['spec'] } | undefined;
    if (template?.spec === undefined) return [];
    return [{ owner, labels: template.metadata?.labels ?? {}, spec: template.spec }];
  });
}

/** Init and main containers of a pod template, init first. */
export function containersOf(template: PodTemplate): Container[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}

/** True when every matchLabels entry is in `labels` (matchExpressions are not used here: they fail the match). */
export function selectorMatches(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  const asSelector = selector as LabelSelector;
  if (asSelector.matchExpressions !== undefined && asSelector.matchExpressions.length > 0) return false;
  const matchLabels = asSelector.matchLabels ?? (selector as Record<string, string>);
  const entries = Object.entries(matchLabels);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** The env value of `name` in a container, when it is a literal. */
export function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((entry) => entry.name === name)?.value;
}
