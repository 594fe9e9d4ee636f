import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_CLI_PATH, APP_USER, mountWritableTmp, resolveAppImage, type AppImageProps } from './app-image.js';
import { DATA_DIR } from './digits-app.js';
import { componentLabels, selectorLabels } from './names.js';
import { applyRestrictedPatches, restrictedContainerContext, restrictedPodContext } from './pod-security.js';
import { toPlusResources, type ResourceBudget } from './resources.js';
import { resultCommand } from './result-script.js';

/** The app's model lifecycle commands a Job runs (docs/model-lifecycle.md). */
export type LifecycleStep = 'retrain' | 'gate' | 'canary' | 'promote';

/** Props of one lifecycle Job. */
export interface LifecycleJobProps extends AppImageProps {
  /** Job name; the controller derives it from the DigitModel, the step and the generation. */
  readonly name: string;
  readonly step: LifecycleStep;
  /** Arguments after the command, e.g. ['--epochs', '2'] or ['v2', '--weight', '0.1']. */
  readonly args: readonly string[];
  /** The app's ConfigMap (Cassandra contact points, keyspace, DATA_DIR): the Job reads what the service reads. */
  readonly configMapName: string;
  /** Secret with `username`/`password` of the app's Cassandra role. */
  readonly appSecretName: string;
  /** Extra labels, e.g. the DigitModel the Job belongs to. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default per step: see STEP_DEFAULTS */
  readonly resources?: ResourceBudget;
  /** Hard limit on the run. @default per step */
  readonly activeDeadlineSeconds?: number;
  /** Seconds a finished Job (and its result) is kept. @default 86400 */
  readonly ttlSecondsAfterFinished?: number;
}

/** Name of the one container; the controller reads its termination message. */
export const LIFECYCLE_CONTAINER = 'lifecycle';

/**
 * Fine-tuning holds MNIST, the model and its gradients (two cores, 2 GiB); the gates and canary
 * load two models and the MNIST test set; promote only writes a row.
 */
const STEP_DEFAULTS: Record<LifecycleStep, { resources: ResourceBudget; deadlineSeconds: number }> = {
  retrain: { resources: { cpuRequestMillis: 1000, cpuLimitMillis: 2000, memoryRequestMi: 1536, memoryLimitMi: 2048 }, deadlineSeconds: 3600 },
  gate: { resources: { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMi: 768, memoryLimitMi: 1024 }, deadlineSeconds: 1800 },
  canary: { resources: { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMi: 768, memoryLimitMi: 1024 }, deadlineSeconds: 1800 },
  promote: { resources: { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMi: 256, memoryLimitMi: 256 }, deadlineSeconds: 600 },
};

/**
 * One run of a lifecycle command (`mnist retrain|gate|canary|promote ...`) with the app image,
 * the app's ConfigMap and Cassandra role, under the restricted profile. Never retried by the Job
 * controller (backoffLimit 0): re-running a retrain or a canary is the DigitModel controller's
 * decision, not a side effect of a crash. The command runs inside the result script, so its last
 * JSON line becomes the container's termination message (see result-script.ts).
 */
export class LifecycleJob extends Construct {
  /** Labels of every lifecycle pod; the Cassandra NetworkPolicy admits them by these. */
  public static readonly POD_LABELS: Readonly<Record<string, string>> = selectorLabels('lifecycle');
  public readonly job: kplus.Job;

  constructor(scope: Construct, id: string, props: LifecycleJobProps) {
    super(scope, id);
    const { image, imagePullPolicy } = resolveAppImage(props);
    const defaults = STEP_DEFAULTS[props.step];
    const labels = { ...componentLabels('lifecycle', props.name), ...props.labels };
    const appSecret = kplus.Secret.fromSecretName(this, 'app-secret', props.appSecretName);
    const config = kplus.ConfigMap.fromConfigMapName(this, 'config', props.configMapName);

    this.job = new kplus.Job(this, 'job', {
      metadata: { name: props.name, labels },
      select: false,
      podMetadata: { labels },
      backoffLimit: 0,
      ttlAfterFinished: Duration.seconds(props.ttlSecondsAfterFinished ?? 86_400),
      activeDeadline: Duration.seconds(props.activeDeadlineSeconds ?? defaults.deadlineSeconds),
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: restrictedPodContext(APP_USER),
    });
    const container = this.job.addContainer({
      name: LIFECYCLE_CONTAINER,
      image,
      imagePullPolicy,
      command: resultCommand(APP_CLI_PATH, [props.step, ...props.args]),
      envFrom: [kplus.Env.fromConfigMap(config)],
      envVariables: {
        CASSANDRA_USERNAME: kplus.EnvValue.fromSecretValue({ secret: appSecret, key: 'username' }),
        CASSANDRA_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: appSecret, key: 'password' }),
      },
      resources: toPlusResources(props.resources ?? defaults.resources),
      securityContext: restrictedContainerContext(APP_USER),
    });
    // The model cache and training scratch: DATA_DIR of the app's ConfigMap.
    container.mount(DATA_DIR, kplus.Volume.fromEmptyDir(this, 'data', 'data', { sizeLimit: Size.mebibytes(2048) }));
    mountWritableTmp(this, container);
    applyRestrictedPatches(this.job);
    // cdk8s-plus-27 cannot set it: a command that dies without a result leaves its log's tail instead.
    ApiObject.of(this.job).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/terminationMessagePolicy', 'FallbackToLogsOnError'));
  }
}
