import { App } from 'cdk8s';
import { MnistChart } from './chart.js';
import { DEFAULT_APP_IMAGE } from './lib/app-image.js';
import type { HelmValue } from './lib/helm-chart.js';
import { DEFAULT_NAMESPACE } from './lib/names.js';

/**
 * The settings a Helm user may change (values.yaml), and how they reach the objects. `make synth`
 * builds the system twice from SystemValues: once with every value's default (k8s/dist), once with
 * a placeholder in place of every value (the Helm chart). Wherever a placeholder turns up in the
 * synthesized objects, lib/helm-chart.ts writes `{{ .Values.<path> }}`; so the chart is the very
 * objects of k8s/dist, and `helm template` with the default values renders them again.
 */

/** What the system is built from; everything else is a construct prop with its own default. */
export interface SystemValues {
  readonly namespace: string;
  readonly image: string;
  readonly appReplicas: number;
  readonly appMaxReplicas: number;
  readonly cassandraImage: string;
  readonly cassandraReplicas: number;
  readonly cassandraStorage: string;
}

/** The one place the system is built from values: for k8s/dist and, with placeholders, for Helm. */
export function buildSystem(values: SystemValues): App {
  const app = new App();
  new MnistChart(app, 'mnist-k8s', {
    namespace: values.namespace,
    image: values.image,
    app: { replicas: values.appReplicas, maxReplicas: values.appMaxReplicas },
    cassandra: { image: values.cassandraImage, replicas: values.cassandraReplicas, storageSize: values.cassandraStorage },
  });
  return app;
}

interface ValueSpec {
  /** The SystemValues field it sets; absent for values only hand-written templates use. */
  readonly feeds?: keyof SystemValues;
  readonly path: string;
  readonly defaultValue: string | number | boolean;
  readonly comment: string;
}

/** values.yaml, in order. */
const VALUE_SPECS: readonly ValueSpec[] = [
  { feeds: 'namespace', path: 'namespace', defaultValue: DEFAULT_NAMESPACE, comment: 'Namespace of every object (created by the chart when createNamespace is true)' },
  { path: 'createNamespace', defaultValue: true, comment: 'Create the namespace (Pod Security "restricted" enforced); false if it exists already' },
  { feeds: 'image', path: 'image', defaultValue: DEFAULT_APP_IMAGE, comment: 'App image (serve, bootstrap, replay): push it where the cluster can pull it' },
  { feeds: 'appReplicas', path: 'app.replicas', defaultValue: 2, comment: 'App replicas at rest (the HorizontalPodAutoscaler minimum)' },
  { feeds: 'appMaxReplicas', path: 'app.maxReplicas', defaultValue: 6, comment: 'Upper bound of the HorizontalPodAutoscaler (CPU 70% of requests)' },
  { feeds: 'cassandraImage', path: 'cassandra.image', defaultValue: 'cassandra:5.0', comment: 'Official Cassandra image' },
  { feeds: 'cassandraReplicas', path: 'cassandra.replicas', defaultValue: 3, comment: 'Cassandra nodes; also the keyspace and system_auth replication factor' },
  { feeds: 'cassandraStorage', path: 'cassandra.storage', defaultValue: '10Gi', comment: 'PersistentVolumeClaim size per Cassandra node' },
];

/**
 * A stand-in for a value that no real value equals and that survives the constructs whole:
 * "helm-placeholder-<path>" for strings, 900001, 900002... for numbers (a replica count must
 * stay a number through the constructs' types).
 */
function placeholdersOf(specs: readonly ValueSpec[]): Map<string, string | number> {
  const placeholders = new Map<string, string | number>();
  for (const spec of specs) {
    if (spec.feeds === undefined) continue;
    const numbersSoFar = [...placeholders.values()].filter((p) => typeof p === 'number').length;
    placeholders.set(spec.path, typeof spec.defaultValue === 'number' ? 900_001 + numbersSoFar : `helm-placeholder-${spec.path.replace('.', '-')}`);
  }
  return placeholders;
}

const PLACEHOLDERS = placeholdersOf(VALUE_SPECS);

/** Every value of values.yaml, with the placeholder that marks where it goes in the objects. */
export const HELM_VALUES: readonly HelmValue[] = VALUE_SPECS.map(({ path, defaultValue, comment }) => {
  const placeholder = PLACEHOLDERS.get(path);
  return placeholder === undefined ? { path, defaultValue, comment } : { path, defaultValue, placeholder, comment };
});

function systemValues(valueOf: (spec: ValueSpec) => string | number | boolean | undefined): SystemValues {
  return Object.fromEntries(VALUE_SPECS.filter((spec) => spec.feeds !== undefined).map((spec) => [spec.feeds, valueOf(spec)])) as SystemValues;
}

/** The system as k8s/dist has it. */
export const DEFAULT_VALUES: SystemValues = systemValues((spec) => spec.defaultValue);
/** The system as the Helm chart is synthesized from. */
export const PLACEHOLDER_VALUES: SystemValues = systemValues((spec) => PLACEHOLDERS.get(spec.path));
