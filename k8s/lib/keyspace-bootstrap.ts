import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_USER, mountWritableTmp, resolveAppImage, type AppImageProps } from './app-image.js';
import type { Cassandra } from './cassandra.js';
import { NAMES, componentLabels, selectorLabels } from './names.js';
import { SUPERUSER_SCRIPT } from './superuser-script.js';
import { applyRestrictedPatches, restrictedContainerContext, restrictedPodContext } from './pod-security.js';
import { toPlusResources, type ResourceBudget } from './resources.js';

/** Props of the keyspace bootstrap Job. */
export interface KeyspaceBootstrapProps extends AppImageProps {
  /** The ring to bootstrap: contact points, data centre and node count come from it. */
  readonly cassandra: Cassandra;
  /** Secret with `username`/`password` of the Cassandra superuser (generated at deploy time). */
  readonly superuserSecret: kplus.ISecret;
  /** Secret with `username`/`password` of the app role the bootstrap creates. */
  readonly appSecret: kplus.ISecret;
  /** @default 'mnist' */
  readonly keyspace?: string;
  /** Replication factor of the keyspace. @default the ring's replicas */
  readonly replicationFactor?: number;
  /** Pod failures tolerated (exponential back-off between tries). @default 6 */
  readonly backoffLimit?: number;
  /** Seconds after which a finished Job and its pods are deleted. @default 600 */
  readonly ttlSecondsAfterFinished?: number;
  /** Hard limit on the whole Job, all retries included. @default 1800 */
  readonly activeDeadlineSeconds?: number;
  /** @default 100m/500m CPU, 256Mi/256Mi memory */
  readonly resources?: ResourceBudget;
  /** How long the `superuser` init container waits for a CQL login before failing. @default 1200 */
  readonly waitForRingSeconds?: number;
  /** Bound on the `bootstrap` command itself (CASSANDRA_BOOTSTRAP_TIMEOUT_MS). @default 600000 */
  readonly bootstrapTimeoutMs?: number;
}

/**
 * One-shot Job. Its `superuser` init container (cqlsh from the Cassandra image) waits for the
 * ring, replicates system_auth and sets the superuser password from the generated Secret (see
 * superuser-script.ts). Then the image's `bootstrap` command waits until the ring has all its
 * nodes, creates the keyspace (RF = ring size), tables and migrations, and the app's
 * least-privilege role. Idempotent, so a retry or a re-run on the next deploy is safe.
 */
export class KeyspaceBootstrap extends Construct {
  public readonly job: kplus.Job;
  public readonly keyspace: string;
  public readonly replicationFactor: number;
  /** Labels that select exactly this Job's pods. */
  public readonly podLabels: Record<string, string> = selectorLabels('keyspace-bootstrap');

  constructor(scope: Construct, id: string, props: KeyspaceBootstrapProps) {
    super(scope, id);
    const { image, imagePullPolicy } = resolveAppImage(props);
    const cassandra = props.cassandra;
    this.keyspace = props.keyspace ?? 'mnist';
    this.replicationFactor = props.replicationFactor ?? cassandra.replicas;
    if (this.replicationFactor > cassandra.replicas) {
      throw new Error(`replicationFactor ${this.replicationFactor} exceeds the ring's ${cassandra.replicas} nodes`);
    }
    const labels = componentLabels('keyspace-bootstrap', NAMES.keyspaceBootstrap);
    const fromSecret = (secret: kplus.ISecret, key: string) => kplus.EnvValue.fromSecretValue({ secret, key });
    const connection = {
      CASSANDRA_CONTACT_POINTS: kplus.EnvValue.fromValue(cassandra.contactPoints),
      CASSANDRA_PORT: kplus.EnvValue.fromValue(String(cassandra.cqlPort)),
      CASSANDRA_LOCAL_DC: kplus.EnvValue.fromValue(cassandra.dataCenter),
      CASSANDRA_USERNAME: fromSecret(props.superuserSecret, 'username'),
      CASSANDRA_PASSWORD: fromSecret(props.superuserSecret, 'password'),
    };

    this.job = new kplus.Job(this, 'job', {
      metadata: { name: NAMES.keyspaceBootstrap, labels },
      select: false,
      podMetadata: { labels },
      backoffLimit: props.backoffLimit ?? 6,
      ttlAfterFinished: Duration.seconds(props.ttlSecondsAfterFinished ?? 600),
      activeDeadline: Duration.seconds(props.activeDeadlineSeconds ?? 1800),
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: restrictedPodContext(APP_USER),
    });
    this.job.addInitContainer({
      name: 'superuser',
      image: cassandra.image,
      // As the StatefulSet pulls it (cdk8s-plus would say Always): a node that has the image,
      // loaded by `kind load` or the local cluster's load-images.sh, must not need a registry.
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['sh', '-c', SUPERUSER_SCRIPT],
      envVariables: {
        ...connection,
        SYSTEM_AUTH_REPLICATION_FACTOR: kplus.EnvValue.fromValue(String(cassandra.replicas)),
        WAIT_SECONDS: kplus.EnvValue.fromValue(String(props.waitForRingSeconds ?? 1200)),
      },
      resources: toPlusResources({ cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMi: 128, memoryLimitMi: 128 }),
      securityContext: restrictedContainerContext(cassandra.runAs),
    });
    const container = this.job.addContainer({
      name: 'bootstrap',
      image,
      imagePullPolicy,
      args: ['bootstrap'],
      envVariables: {
        ...connection,
        CASSANDRA_KEYSPACE: kplus.EnvValue.fromValue(this.keyspace),
        CASSANDRA_EXPECTED_NODES: kplus.EnvValue.fromValue(String(cassandra.replicas)),
        CASSANDRA_REPLICATION_FACTOR: kplus.EnvValue.fromValue(String(this.replicationFactor)),
        CASSANDRA_BOOTSTRAP_TIMEOUT_MS: kplus.EnvValue.fromValue(String(props.bootstrapTimeoutMs ?? 600_000)),
        CASSANDRA_APP_USERNAME: fromSecret(props.appSecret, 'username'),
        CASSANDRA_APP_PASSWORD: fromSecret(props.appSecret, 'password'),
      },
      resources: toPlusResources(props.resources ?? { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMi: 256, memoryLimitMi: 256 }),
      securityContext: restrictedContainerContext(APP_USER),
    });
    mountWritableTmp(this, container);
    applyRestrictedPatches(this.job);
  }
}
