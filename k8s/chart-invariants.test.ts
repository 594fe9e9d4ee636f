import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MnistChart, type MnistChartProps } from './chart.js';
import { containersOf, envValue, podTemplatesOf, selectorMatches, type KubeObject, type PodTemplate } from './lib/manifest-walk.js';
import { COMPONENTS, GENERATED_SECRETS, LABEL_COMPONENT, LABEL_PART_OF, PART_OF } from './lib/names.js';

/** Invariants every variant of the chart must keep, checked on the synthesized objects. */
const VARIANTS: Record<string, MnistChartProps> = {
  default: {},
  'with a replay run': { replay: { shards: 4 } },
  'with five Cassandra nodes': { cassandra: { replicas: 5 }, app: { replicas: 3, maxReplicas: 9 } },
};

function synth(props: MnistChartProps): KubeObject[] {
  return Testing.synth(new MnistChart(Testing.app(), 'mnist-k8s', props)) as KubeObject[];
}

const find = (objects: KubeObject[], kind: string, name?: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const only = (objects: KubeObject[], kind: string, name?: string): KubeObject => {
  const found = find(objects, kind, name);
  expect(found, `${kind}/${name ?? '*'}`).toHaveLength(1);
  return found[0]!;
};
const isLongRunning = (template: PodTemplate) => template.owner.kind === 'Deployment' || template.owner.kind === 'StatefulSet';
/** The pod-level value wins only when the container does not set it (Kubernetes' precedence). */
const effective = (template: PodTemplate, container: { securityContext?: Record<string, unknown> }, key: string) =>
  container.securityContext?.[key] ?? template.spec.securityContext?.[key];

interface ContainerEnv {
  /** Its ConfigMaps' keys and its own entries, sorted. */
  readonly names: string[];
  /** Names its args refer to as `$(NAME)`: Kubernetes expands them, the app never reads them. */
  readonly expandedInArgs: string[];
}

/** The env of every container but Cassandra's, by owner kind/name/container. */
function envByContainer(objects: KubeObject[]): Map<string, ContainerEnv> {
  const configMapKeys = (name: string) => Object.keys((only(objects, 'ConfigMap', name) as KubeObject & { data?: object }).data ?? {});
  const templates = podTemplatesOf(objects).filter((t) => t.owner.metadata.name !== 'cassandra');
  return new Map(templates.flatMap((template) => containersOf(template).map((container): [string, ContainerEnv] => {
    const fromConfigMaps = (container.envFrom ?? []).flatMap((from) => (from.configMapRef ? configMapKeys(from.configMapRef.name) : []));
    const names = [...fromConfigMaps, ...(container.env ?? []).map((e) => e.name)].sort();
    const expandedInArgs = (container.args ?? []).flatMap((arg) => [...arg.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]!)).sort();
    return [`${template.owner.kind}/${template.owner.metadata.name}/${container.name}`, { names, expandedInArgs }];
  })));
}

describe.each(Object.entries(VARIANTS))('the chart %s', (_variant, props) => {
  const objects = synth(props);
  const templates = podTemplatesOf(objects);

  it('gives every container CPU and memory requests and limits', () => {
    for (const template of templates) {
      for (const container of containersOf(template)) {
        const where = `${template.owner.kind}/${template.owner.metadata.name}/${container.name}`;
        expect(Object.keys(container.resources?.requests ?? {}).sort(), where).toEqual(['cpu', 'memory']);
        expect(Object.keys(container.resources?.limits ?? {}).sort(), where).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('pulls no image a node already has (kind load and the local cluster load images, no registry)', () => {
    for (const template of templates) {
      for (const container of containersOf(template)) {
        const where = `${template.owner.kind}/${template.owner.metadata.name}/${container.name}`;
        expect(container.imagePullPolicy ?? 'IfNotPresent', where).toBe('IfNotPresent');
      }
    }
  });

  it('probes every long-running container for startup, readiness and liveness', () => {
    const longRunning = templates.filter(isLongRunning);
    expect(longRunning.map((t) => `${t.owner.kind}/${t.owner.metadata.name}`).sort()).toEqual(['Deployment/digitmodel-controller', 'Deployment/digits', 'StatefulSet/cassandra']);
    for (const template of longRunning) {
      for (const container of template.spec.containers) {
        expect(container.startupProbe, container.name).toBeDefined();
        expect(container.readinessProbe, container.name).toBeDefined();
        expect(container.livenessProbe, container.name).toBeDefined();
      }
    }
  });

  it('runs every container under the restricted Pod Security profile', () => {
    for (const template of templates) {
      for (const container of containersOf(template)) {
        const where = `${template.owner.metadata.name}/${container.name}`;
        expect(effective(template, container, 'runAsNonRoot'), where).toBe(true);
        expect(effective(template, container, 'runAsUser'), where).toBeGreaterThan(0);
        expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(container.securityContext?.capabilities, where).toEqual({ drop: ['ALL'] });
        expect(effective(template, container, 'seccompProfile'), where).toEqual({ type: 'RuntimeDefault' });
      }
    }
    expect(only(objects, 'Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('replicates the keyspace and system_auth once per Cassandra node', () => {
    const replicas = only(objects, 'StatefulSet', 'cassandra').spec?.replicas;
    expect(replicas).toBe(props.cassandra?.replicas ?? 3);
    const job = templates.find((t) => t.owner.metadata.name === 'keyspace-bootstrap')!;
    const [superuser, bootstrap] = containersOf(job);
    expect(envValue(bootstrap!, 'CASSANDRA_REPLICATION_FACTOR')).toBe(String(replicas));
    expect(envValue(bootstrap!, 'CASSANDRA_EXPECTED_NODES')).toBe(String(replicas));
    expect(envValue(superuser!, 'SYSTEM_AUTH_REPLICATION_FACTOR')).toBe(String(replicas));
  });

  it('has PodDisruptionBudgets, Services and the HPA select the workload they are named after', () => {
    const workloads = podTemplatesOf(objects);
    for (const kind of ['PodDisruptionBudget', 'Service']) {
      for (const object of find(objects, kind)) {
        const selector = (object.spec?.selector ?? undefined) as Record<string, string> | undefined;
        const matched = workloads.filter((w) => selectorMatches(selector, w.labels)).map((w) => w.owner.metadata.name);
        expect(matched, `${kind}/${object.metadata.name}`).toEqual([object.metadata.name]);
      }
    }
    const service = only(objects, 'Service', 'digits');
    const ports = service.spec?.ports as { port: number; targetPort: number }[];
    const containerPorts = workloads.find((w) => w.owner.metadata.name === 'digits')!.spec.containers[0]!.ports!.map((p) => p.containerPort);
    expect(ports).toEqual([expect.objectContaining({ port: 80, targetPort: 3000 })]);
    expect(containerPorts).toContain(3000);
    // The canary Jobs' gates replay recorded traffic through that Service, by its name and port.
    const [controller] = containersOf(templates.find((t) => t.owner.metadata.name === 'digitmodel-controller')!);
    expect(envValue(controller!, 'LIFECYCLE_SERVICE_URL')).toBe(`http://${service.metadata.name}:${ports[0]!.port}`);
    expect(only(objects, 'StatefulSet', 'cassandra').spec?.serviceName).toBe('cassandra');
    expect(only(objects, 'Service', 'cassandra').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(only(objects, 'HorizontalPodAutoscaler', 'digits').spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'digits' },
      minReplicas: props.app?.replicas ?? 2,
    });
  });

  it('lets only the app, the bootstrap, replay and lifecycle pods reach CQL, and Cassandra pods reach each other', () => {
    const policy = only(objects, 'NetworkPolicy', 'cassandra-access');
    const spec = policy.spec as {
      podSelector: Record<string, unknown>;
      ingress: { from: { podSelector: Record<string, unknown> }[]; ports: { port: number }[] }[];
    };
    const podsOf = (name: string) => templates.find((t) => t.owner.metadata.name === name)!.labels;
    const guarded = templates.filter((t) => selectorMatches(spec.podSelector, t.labels)).map((t) => t.owner.metadata.name);
    expect(guarded).toEqual(['cassandra']);
    const mayReach = (labels: Record<string, string>, port: number) => spec.ingress.some((rule) =>
      rule.ports.some((p) => p.port === port) && rule.from.some((peer) => selectorMatches(peer.podSelector, labels)));
    const replayPods = { [LABEL_PART_OF]: PART_OF, [LABEL_COMPONENT]: 'replay' };
    const lifecyclePods = { [LABEL_PART_OF]: PART_OF, [LABEL_COMPONENT]: 'lifecycle', 'mnist-k8s.dev/digitmodel': 'digits' };
    for (const client of [podsOf('digits'), podsOf('keyspace-bootstrap'), replayPods, lifecyclePods]) expect(mayReach(client, 9042)).toBe(true);
    // The controller talks to the API server only.
    expect(mayReach(podsOf('digitmodel-controller'), 9042)).toBe(false);
    for (const port of [7000, 9042]) expect(mayReach(podsOf('cassandra'), port)).toBe(true);
    expect(mayReach({ [LABEL_PART_OF]: PART_OF, [LABEL_COMPONENT]: 'something-else' }, 9042)).toBe(false);
    expect(mayReach(podsOf('digits'), 7000)).toBe(false);
  });

  it('grants the controller only namespaced rights, none on Secrets, and binds them to its own ServiceAccount', () => {
    expect(find(objects, 'ClusterRole')).toEqual([]);
    expect(find(objects, 'ClusterRoleBinding')).toEqual([]);
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const rules = (only(objects, 'Role', 'digitmodel-controller') as KubeObject & { rules: Rule[] }).rules;
    const granted = rules.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups[0] || 'core'}/${res}:${v}${r.resourceNames ? `@${r.resourceNames.join(',')}` : ''}`))).sort();
    expect(granted).toEqual([
      'batch/jobs:create', 'batch/jobs:delete', 'batch/jobs:get', 'batch/jobs:list', 'batch/jobs:watch',
      'coordination.k8s.io/leases:create', 'coordination.k8s.io/leases:get@digitmodel-controller', 'coordination.k8s.io/leases:update@digitmodel-controller',
      'core/pods:get', 'core/pods:list',
      'mnist-k8s.dev/digitmodels/status:patch', 'mnist-k8s.dev/digitmodels/status:update',
      'mnist-k8s.dev/digitmodels:get', 'mnist-k8s.dev/digitmodels:list', 'mnist-k8s.dev/digitmodels:watch',
    ]);
    const binding = only(objects, 'RoleBinding', 'digitmodel-controller') as KubeObject & { subjects: { kind: string; name: string; namespace: string }[] };
    const controller = templates.find((t) => t.owner.metadata.name === 'digitmodel-controller')!;
    const pod = controller.spec as { serviceAccountName?: string; automountServiceAccountToken?: boolean };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: binding.metadata.namespace }]);
    expect(pod.automountServiceAccountToken).toBe(true);
    // Every other pod runs without API credentials.
    for (const template of templates.filter((t) => t !== controller)) {
      expect((template.spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken, template.owner.metadata.name).toBe(false);
    }
  });

  it('reads passwords only from generated Secrets and never holds one itself', () => {
    expect(find(objects, 'Secret')).toEqual([]);
    const generated = new Map(GENERATED_SECRETS.map((s) => [s.name, s.keys.map((k) => k.key)]));
    for (const template of templates) {
      for (const container of containersOf(template)) {
        for (const env of container.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN/.test(env.name)) expect(env.value, `${container.name} ${env.name}`).toBeUndefined();
          const ref = env.valueFrom?.secretKeyRef;
          if (ref) expect(generated.get(ref.name), `${ref.name}.${ref.key}`).toContain(ref.key);
        }
      }
    }
  });

  it('labels every object with part-of and every namespaced object with its component', () => {
    for (const object of objects) {
      expect(object.metadata.labels?.[LABEL_PART_OF], `${object.kind}/${object.metadata.name}`).toBe(PART_OF);
      if (object.kind !== 'Namespace') expect(COMPONENTS).toContain(object.metadata.labels?.[LABEL_COMPONENT]);
    }
  });

  it('gives each container the env var names it has in the default chart, which the app reads', () => {
    // app/src/config-manifests.test.ts checks the default chart (k8s/dist) against what the app's
    // config loaders read; every variant sets the same names, so that check covers them all. A
    // container the default lacks (the replay Job's) sets only what Kubernetes expands in its args.
    const defaults = envByContainer(synth({}));
    for (const [where, env] of envByContainer(objects)) {
      expect(env.names, where).toEqual(defaults.get(where)?.names ?? env.expandedInArgs);
    }
  });
});
