/**
 * Shared names of the mnist-k8s Kubernetes objects: the constructs in k8s/lib, the Helm chart
 * generator and the deployer (k8s/deploy) all import them from here, so a rename happens once.
 * The app (app/) never imports this file: it meets these names only as env vars and DNS names.
 */

/** Namespace everything lives in unless a chart prop / Helm value says otherwise. */
export const DEFAULT_NAMESPACE = 'mnist';

/** Value of `app.kubernetes.io/part-of` on every object: the deployer prunes by it. */
export const PART_OF = 'mnist-k8s';

export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_NAME = 'app.kubernetes.io/name';
/** Set by the deployer on the Secrets it generates (the synthesized objects do not carry it). */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/**
 * The parts of the system; each is the `app.kubernetes.io/component` label value. `controller`
 * is the DigitModel controller (and its CRD, RBAC, Lease); `lifecycle` the Jobs it starts.
 */
export type Component = 'cassandra' | 'keyspace-bootstrap' | 'app' | 'replay' | 'controller' | 'lifecycle';

/** Every Component, for checks that must know them all. */
export const COMPONENTS: readonly Component[] = ['cassandra', 'keyspace-bootstrap', 'app', 'replay', 'controller', 'lifecycle'];

/** Object names. Services double as DNS names (`digits.<ns>.svc`, `cassandra-0.cassandra.<ns>.svc`). */
export const NAMES = {
  namespace: DEFAULT_NAMESPACE,
  /** StatefulSet and its headless Service (the StatefulSet's serviceName). */
  cassandra: 'cassandra',
  /** PodDisruptionBudget of the Cassandra pods. */
  cassandraPdb: 'cassandra',
  /** One-shot Job running the image's `bootstrap` command. */
  keyspaceBootstrap: 'keyspace-bootstrap',
  /** Deployment, its ClusterIP Service (port 80 -> 3000), PDB and HPA. */
  digits: 'digits',
  /**
   * ConfigMap with the app's non-secret env vars (app/src/config.ts names): PORT,
   * CASSANDRA_CONTACT_POINTS, CASSANDRA_PORT, CASSANDRA_LOCAL_DC, CASSANDRA_KEYSPACE,
   * CASSANDRA_CONSISTENCY, DATA_DIR, SPOOL_DIR, SHUTDOWN_TIMEOUT_MS. CASSANDRA_USERNAME/PASSWORD
   * come from the `cassandra-app` Secret.
   */
  digitsConfig: 'digits-config',
  /** Indexed Job running the image's `replay` command against the digits Service. */
  replay: 'replay',
  /** NetworkPolicy guarding Cassandra's ports. */
  cassandraNetworkPolicy: 'cassandra-access',
  /** The DigitModel controller: Deployment, ServiceAccount, Role, RoleBinding and its Lease. */
  controller: 'digitmodel-controller',
} as const;

/** Labels that select the pods of one component (used by selectors, PDBs, NetworkPolicies). */
export function selectorLabels(component: Component): Record<string, string> {
  return { [LABEL_PART_OF]: PART_OF, [LABEL_COMPONENT]: component };
}

/** Full label set of an object of one component. */
export function componentLabels(component: Component, name: string): Record<string, string> {
  return { ...selectorLabels(component), [LABEL_NAME]: name };
}

/** One key of a Secret the deployer (or Helm) creates: a fixed value or random alphanumerics. */
export interface GeneratedSecretKey {
  readonly key: string;
  /** Fixed value (e.g. a role name). Exactly one of `value` and `randomLength` is set. */
  readonly value?: string;
  /** Length of a random [A-Za-z0-9] value (alphanumeric so it needs no quoting in CQL or YAML). */
  readonly randomLength?: number;
}

/** A Secret that is never committed: created at deploy time when missing, never overwritten. */
export interface GeneratedSecret {
  readonly name: string;
  readonly component: Component;
  readonly keys: readonly GeneratedSecretKey[];
}

/**
 * Cassandra's superuser. The official image starts with the built-in role `cassandra` /
 * password `cassandra`; the keyspace bootstrap logs in with these Secret values and, when that
 * fails on a fresh cluster, with the built-in default, then ALTERs the role to this password.
 * Read by the bootstrap Job only (CASSANDRA_USERNAME / CASSANDRA_PASSWORD); Cassandra's probes
 * use nodetool over local JMX, which needs no CQL login.
 */
export const CASSANDRA_SUPERUSER_SECRET: GeneratedSecret = {
  name: 'cassandra-superuser',
  component: 'cassandra',
  keys: [
    { key: 'username', value: 'cassandra' },
    { key: 'password', randomLength: 32 },
  ],
};

/**
 * The app's least-privilege role (SELECT/MODIFY on the keyspace), created by the bootstrap
 * (CASSANDRA_APP_USERNAME / CASSANDRA_APP_PASSWORD) and used by the app and the replay Job
 * (CASSANDRA_USERNAME / CASSANDRA_PASSWORD).
 */
export const CASSANDRA_APP_SECRET: GeneratedSecret = {
  name: 'cassandra-app',
  component: 'app',
  keys: [
    { key: 'username', value: 'digits' },
    { key: 'password', randomLength: 32 },
  ],
};

/** Every Secret the deployer must generate before applying the manifests, in apply order. */
export const GENERATED_SECRETS: readonly GeneratedSecret[] = [CASSANDRA_SUPERUSER_SECRET, CASSANDRA_APP_SECRET];
