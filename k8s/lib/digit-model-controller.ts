import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_USER, mountWritableTmp, resolveAppImage, type AppImageProps } from './app-image.js';
import { DIGIT_MODEL_API } from './digit-model-crd.js';
import { NAMES, componentLabels, selectorLabels } from './names.js';
import { applyRestrictedPatches, restrictedContainerContext, restrictedPodContext } from './pod-security.js';
import { toPlusResources, type ResourceBudget } from './resources.js';

/** Props of the DigitModel controller. */
export interface DigitModelControllerProps extends AppImageProps {
  /** The app's ConfigMap, which the lifecycle Jobs read (Cassandra, keyspace, DATA_DIR). */
  readonly appConfig: kplus.IConfigMap;
  /** The app's Cassandra role, which the lifecycle Jobs log in with. */
  readonly appSecret: kplus.ISecret;
  /**
   * In-cluster URL of the app's Service: the canary Jobs' gates replay recorded traffic through
   * it (LIFECYCLE_SERVICE_URL). Without it they measure in-process.
   */
  readonly appUrl?: string;
  /** One leads, the other stands by on the Lease. @default 2 */
  readonly replicas?: number;
  /** @default 50m/250m CPU, 96Mi/192Mi memory */
  readonly resources?: ResourceBudget;
}

/** Port of the controller's /healthz and /readyz (CONTROLLER_HEALTH_PORT). */
export const CONTROLLER_HEALTH_PORT = 8080;
/** The controller's entry point in the image (compiled from k8s/controller/main.ts). */
export const CONTROLLER_MAIN = 'dist/k8s/controller/main.js';

/**
 * The DigitModel controller: a Deployment of the app image running the compiled controller
 * (k8s/controller), with its ServiceAccount and a namespaced Role holding exactly what it does:
 * read DigitModels and write their status, run and read lifecycle Jobs, read their pods'
 * termination messages (the Jobs' results: no pods/log), and hold its Lease. It reads no Secret:
 * the Jobs it creates name the app Secret and the kubelet resolves it. Replicas elect a leader on
 * the Lease; only the leader reconciles.
 */
export class DigitModelController extends Construct {
  public readonly deployment: kplus.Deployment;
  public readonly serviceAccount: kplus.ServiceAccount;
  /** Labels that select exactly the controller's pods. */
  public readonly podLabels: Record<string, string> = selectorLabels('controller');

  constructor(scope: Construct, id: string, props: DigitModelControllerProps) {
    super(scope, id);
    const { image, imagePullPolicy } = resolveAppImage(props);
    const labels = componentLabels('controller', NAMES.controller);

    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', { metadata: { name: NAMES.controller, labels }, automountToken: true });
    new kplus.k8s.KubeRole(this, 'role', { metadata: { name: NAMES.controller, labels }, rules: rbacRules() });
    new kplus.k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: { name: NAMES.controller, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAMES.controller },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccount.name, namespace: Chart.of(this).namespace }],
    });

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: NAMES.controller, labels },
      select: false,
      replicas: props.replicas ?? 2,
      podMetadata: { labels },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      // The leader releases its Lease on SIGTERM, so the standby takes over at once.
      terminationGracePeriod: Duration.seconds(30),
      securityContext: restrictedPodContext(APP_USER),
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: this.podLabels }));
    const health = { port: CONTROLLER_HEALTH_PORT, timeoutSeconds: Duration.seconds(2) };
    const container = this.deployment.addContainer({
      name: 'controller',
      image,
      imagePullPolicy,
      command: ['node', CONTROLLER_MAIN],
      ports: [{ number: CONTROLLER_HEALTH_PORT, name: 'health' }],
      envVariables: {
        CONTROLLER_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
        CONTROLLER_IDENTITY: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        CONTROLLER_LEASE: kplus.EnvValue.fromValue(NAMES.controller),
        CONTROLLER_HEALTH_PORT: kplus.EnvValue.fromValue(String(CONTROLLER_HEALTH_PORT)),
        LIFECYCLE_IMAGE: kplus.EnvValue.fromValue(image),
        LIFECYCLE_CONFIG_MAP: kplus.EnvValue.fromValue(props.appConfig.name),
        LIFECYCLE_CASSANDRA_CREDENTIALS: kplus.EnvValue.fromValue(props.appSecret.name),
        ...(props.appUrl === undefined ? {} : { LIFECYCLE_SERVICE_URL: kplus.EnvValue.fromValue(props.appUrl) }),
      },
      startup: kplus.Probe.fromHttpGet('/healthz', { ...health, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
      readiness: kplus.Probe.fromHttpGet('/readyz', { ...health, periodSeconds: Duration.seconds(10) }),
      // /healthz fails when the Lease loop has stalled: a restart is the cure.
      liveness: kplus.Probe.fromHttpGet('/healthz', { ...health, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      resources: toPlusResources(props.resources ?? { cpuRequestMillis: 50, cpuLimitMillis: 250, memoryRequestMi: 96, memoryLimitMi: 192 }),
      securityContext: restrictedContainerContext(APP_USER),
    });
    mountWritableTmp(this, container, 16);
    applyRestrictedPatches(this.deployment);
  }
}

/** The Role's rules: least privilege, one line per thing the controller does. */
export function rbacRules(): kplus.k8s.PolicyRule[] {
  const { group, plural } = DIGIT_MODEL_API;
  return [
    { apiGroups: [group], resources: [plural], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [group], resources: [`${plural}/status`], verbs: ['update', 'patch'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    // create cannot be narrowed to a name (the object does not exist yet); the rest can.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [NAMES.controller], verbs: ['get', 'update'] },
  ];
}
