import { ApiObject, Chart, JsonPatch, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { AppImageProps } from './lib/app-image.js';
import { Cassandra, type CassandraProps } from './lib/cassandra.js';
import { CassandraNetworkPolicy } from './lib/cassandra-network-policy.js';
import { DigitModelController, type DigitModelControllerProps } from './lib/digit-model-controller.js';
import { DigitModelCrd } from './lib/digit-model-crd.js';
import { DigitsApp, type DigitsAppProps } from './lib/digits-app.js';
import { KeyspaceBootstrap, type KeyspaceBootstrapProps } from './lib/keyspace-bootstrap.js';
import { LifecycleJob } from './lib/lifecycle-job.js';
import {
  CASSANDRA_APP_SECRET, CASSANDRA_SUPERUSER_SECRET, DEFAULT_NAMESPACE, LABEL_PART_OF, PART_OF,
} from './lib/names.js';
import { ReplayJob, type ReplayJobProps } from './lib/replay-job.js';

/** Props of the whole system. Everything has a default: `new MnistChart(app, 'mnist-k8s')` is a deployable system. */
export interface MnistChartProps extends AppImageProps {
  /** @default 'mnist' */
  readonly namespace?: string;
  /** @default 'mnist' */
  readonly keyspace?: string;
  /** The Cassandra ring; `replicas` is also the keyspace's replication factor. @default CassandraProps defaults */
  readonly cassandra?: CassandraProps;
  /** @default KeyspaceBootstrapProps defaults */
  readonly bootstrap?: Omit<KeyspaceBootstrapProps, 'cassandra' | 'superuserSecret' | 'appSecret' | 'keyspace' | keyof AppImageProps>;
  /** @default DigitsAppProps defaults */
  readonly app?: Omit<DigitsAppProps, 'cassandra' | 'appSecret' | 'keyspace' | keyof AppImageProps>;
  /** A replay run against the app; the default chart has none. @default no replay Job */
  readonly replay?: Omit<ReplayJobProps, 'url' | keyof AppImageProps>;
  /** The DigitModel controller (its CRD comes with it). @default DigitModelControllerProps defaults */
  readonly controller?: Omit<DigitModelControllerProps, 'appConfig' | 'appSecret' | keyof AppImageProps>;
}

/**
 * mnist-k8s on Kubernetes: namespace (Pod Security `restricted` enforced), Cassandra ring,
 * keyspace bootstrap Job, the digits app, the DigitModel CRD and its controller (which runs
 * lifecycle Jobs with the app's config), and the NetworkPolicy guarding Cassandra. The Secrets
 * the pods read are not here: the deployer (or the Helm chart) generates them at deploy time
 * (see GENERATED_SECRETS in lib/names.ts).
 */
export class MnistChart extends Chart {
  public readonly cassandra: Cassandra;
  public readonly bootstrap: KeyspaceBootstrap;
  public readonly app: DigitsApp;
  public readonly replay: ReplayJob | undefined;
  public readonly digitModelCrd: DigitModelCrd;
  public readonly controller: DigitModelController;

  constructor(scope: Construct, id: string, props: MnistChartProps = {}, chartProps: ChartProps = {}) {
    const namespace = props.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { ...chartProps, namespace });
    const image: AppImageProps = { image: props.image, imagePullPolicy: props.imagePullPolicy };

    const ns = new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: namespace,
        labels: {
          [LABEL_PART_OF]: PART_OF,
          // Every pod here meets the restricted profile; the API server rejects any that does not.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });
    // A Namespace is cluster-scoped: the chart-wide namespace must not be stamped on it.
    ApiObject.of(ns).addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    const superuserSecret = kplus.Secret.fromSecretName(this, 'superuser-secret', CASSANDRA_SUPERUSER_SECRET.name);
    const appSecret = kplus.Secret.fromSecretName(this, 'app-secret', CASSANDRA_APP_SECRET.name);

    this.cassandra = new Cassandra(this, 'cassandra', props.cassandra);
    this.bootstrap = new KeyspaceBootstrap(this, 'keyspace-bootstrap', {
      ...image, ...props.bootstrap, cassandra: this.cassandra, superuserSecret, appSecret, keyspace: props.keyspace,
    });
    this.app = new DigitsApp(this, 'digits', {
      ...image, ...props.app, cassandra: this.cassandra, appSecret, keyspace: this.bootstrap.keyspace,
    });
    this.replay = props.replay
      ? new ReplayJob(this, 'replay', { ...image, ...props.replay, url: this.app.url })
      : undefined;

    this.digitModelCrd = new DigitModelCrd(this, 'digit-model-crd');
    // A CustomResourceDefinition is cluster-scoped, like the Namespace.
    this.digitModelCrd.crd.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    this.controller = new DigitModelController(this, 'digit-model-controller', {
      ...image, ...props.controller, appConfig: this.app.configMap, appSecret: this.app.appSecret, appUrl: this.app.url,
    });

    new CassandraNetworkPolicy(this, 'cassandra-network-policy', {
      cassandra: this.cassandra,
      clients: [this.app, this.bootstrap, { podLabels: ReplayJob.POD_LABELS }, { podLabels: LifecycleJob.POD_LABELS }],
    });
  }
}
