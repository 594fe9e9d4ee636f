import { createHash } from 'node:crypto';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_PORT, APP_USER, mountWritableTmp, resolveAppImage, type AppImageProps } from './app-image.js';
import type { Cassandra } from './cassandra.js';
import { NAMES, componentLabels, selectorLabels } from './names.js';
import { applyRestrictedPatches, restrictedContainerContext, restrictedPodContext } from './pod-security.js';
import { toPlusResources, type ResourceBudget } from './resources.js';

/** Props of the digits service. */
export interface DigitsAppProps extends AppImageProps {
  readonly cassandra: Cassandra;
  /** Secret with `username`/`password` of the app's least-privilege Cassandra role. */
  readonly appSecret: kplus.ISecret;
  /** Keyspace the bootstrap created. */
  readonly keyspace: string;
  /** Replicas at rest: the HPA's minimum. @default 2 */
  readonly replicas?: number;
  /** @default 6 */
  readonly maxReplicas?: number;
  /** Average CPU utilisation (of the request) the HPA aims for. @default 70 */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * The service runs two busy threads (HTTP + preprocessing, and model inference in a worker
   * thread), so its CPU limit allows two cores; the request is what the HPA's utilisation is
   * measured against.
   * @default 500m/2000m CPU, 512Mi/1024Mi memory
   */
  readonly resources?: ResourceBudget;
  /** Time a pod gets to finish requests and drain its spool on shutdown. @default 60 */
  readonly terminationGracePeriodSeconds?: number;
  /** Size limit of the spool volume. @default 1024 */
  readonly spoolSizeLimitMi?: number;
  /** Extra env vars for the ConfigMap (names of app/src/config.ts), e.g. LOG_LEVEL. @default none */
  readonly extraConfig?: Readonly<Record<string, string>>;
}

/**
 * Where the writable data volume is mounted (DATA_DIR); the spool and the model cache live inside
 * it. Exported for the lifecycle Jobs, which read the same ConfigMap and so the same DATA_DIR.
 */
export const DATA_DIR = '/var/lib/mnist';
/** Seconds preStop waits so endpoints drop the pod before the server stops accepting. */
const PRESTOP_DELAY_SECONDS = 5;

/**
 * The web service: Deployment (rolling update with a surge pod and none unavailable), a
 * ClusterIP Service `digits` on port 80, a PodDisruptionBudget, a CPU HorizontalPodAutoscaler,
 * and a ConfigMap for its settings; credentials come from the app Secret.
 *
 * The spool (records Cassandra has not taken yet) is on an emptyDir: it survives container
 * restarts and crashes; on pod deletion the app drains it within the grace period. See
 * docs/kubernetes.md for what that does and does not cover.
 */
export class DigitsApp extends Construct {
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly configMap: kplus.ConfigMap;
  /** Secret with the app role's credentials. */
  public readonly appSecret: kplus.ISecret;
  public readonly servicePort = 80;
  /** Labels that select exactly the app's pods. */
  public readonly podLabels: Record<string, string> = selectorLabels('app');

  constructor(scope: Construct, id: string, props: DigitsAppProps) {
    super(scope, id);
    const { image, imagePullPolicy } = resolveAppImage(props);
    const labels = componentLabels('app', NAMES.digits);
    const graceSeconds = props.terminationGracePeriodSeconds ?? 60;
    const cassandra = props.cassandra;
    this.appSecret = props.appSecret;

    const config: Record<string, string> = {
      PORT: String(APP_PORT),
      CASSANDRA_CONTACT_POINTS: cassandra.contactPoints,
      CASSANDRA_PORT: String(cassandra.cqlPort),
      CASSANDRA_LOCAL_DC: cassandra.dataCenter,
      CASSANDRA_KEYSPACE: props.keyspace,
      CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
      DATA_DIR,
      SPOOL_DIR: `${DATA_DIR}/spool`,
      // Leave the app time to drain after preStop, and the kubelet a margin before SIGKILL.
      SHUTDOWN_TIMEOUT_MS: String((graceSeconds - PRESTOP_DELAY_SECONDS - 5) * 1000),
      ...props.extraConfig,
    };
    this.configMap = new kplus.ConfigMap(this, 'config', { metadata: { name: NAMES.digitsConfig, labels }, data: config });
    // A changed ConfigMap must roll the pods: env vars are read once, at start-up.
    const configHash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: NAMES.digits, labels },
      select: false,
      podMetadata: { labels, annotations: { 'mnist-k8s/config-sha256': configHash } },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      terminationGracePeriod: Duration.seconds(graceSeconds),
      securityContext: restrictedPodContext(APP_USER),
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: this.podLabels }));
    const http = { port: APP_PORT, timeoutSeconds: Duration.seconds(2) };
    const container = this.deployment.addContainer({
      name: 'digits',
      image,
      imagePullPolicy,
      args: ['serve'],
      ports: [{ number: APP_PORT, name: 'http' }],
      envFrom: [kplus.Env.fromConfigMap(this.configMap)],
      envVariables: {
        CASSANDRA_USERNAME: kplus.EnvValue.fromSecretValue({ secret: props.appSecret, key: 'username' }),
        CASSANDRA_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: props.appSecret, key: 'password' }),
      },
      // Model load and backend start-up: up to 2 minutes before liveness takes over.
      startup: kplus.Probe.fromHttpGet('/healthz', { ...http, periodSeconds: Duration.seconds(2), failureThreshold: 60 }),
      readiness: kplus.Probe.fromHttpGet('/readyz', { ...http, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { ...http, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(PRESTOP_DELAY_SECONDS)]) },
      resources: toPlusResources(props.resources ?? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMi: 512, memoryLimitMi: 1024 }),
      securityContext: restrictedContainerContext(APP_USER),
    });
    const data = kplus.Volume.fromEmptyDir(this, 'data', 'data', { sizeLimit: Size.mebibytes(props.spoolSizeLimitMi ?? 1024) });
    container.mount(DATA_DIR, data);
    mountWritableTmp(this, container);
    applyRestrictedPatches(this.deployment);

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: NAMES.digits, labels },
      ports: [{ name: 'http', port: this.servicePort, targetPort: APP_PORT }],
    });
    for (const [key, value] of Object.entries(this.podLabels)) this.service.selectLabel(key, value);

    new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: NAMES.digits, labels },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.podLabels } },
    });

    new kplus.HorizontalPodAutoscaler(this, 'hpa', {
      metadata: { name: NAMES.digits, labels },
      target: this.deployment,
      minReplicas: props.replicas ?? 2,
      maxReplicas: props.maxReplicas ?? 6,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.targetCpuUtilizationPercent ?? 70))],
    });
  }

  /** In-cluster URL of the service (same namespace). */
  public get url(): string {
    return `http://${this.service.name}:${this.servicePort}`;
  }
}
