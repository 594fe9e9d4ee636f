import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_USER, mountWritableTmp, resolveAppImage, type AppImageProps } from './app-image.js';
import { NAMES, componentLabels, selectorLabels } from './names.js';
import { applyRestrictedPatches, restrictedContainerContext, restrictedPodContext } from './pod-security.js';
import { toPlusResources, type ResourceBudget } from './resources.js';

/** Props of a cluster-scale replay run. */
export interface ReplayJobProps extends AppImageProps {
  /** Service under load, e.g. `app.url` (`http://digits:80`). */
  readonly url: string;
  /** Requests across all shards; shard i sends its slice of them. @default 10000 */
  readonly n?: number;
  /** Requests in flight per shard. @default 32 */
  readonly concurrency?: number;
  /** Pods running at once, one shard each (completions = parallelism). @default 4 */
  readonly shards?: number;
  /** Seconds a finished run (and its pods' logs) is kept. @default 3600 */
  readonly ttlSecondsAfterFinished?: number;
  /** @default 1000m/2000m CPU, 256Mi/512Mi memory */
  readonly resources?: ResourceBudget;
  /** @default 'replay' */
  readonly name?: string;
}

/** Annotation the Job controller sets on each pod of an Indexed Job. */
const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/**
 * An Indexed Job of P pods, each running the image's
 * `replay --url U --n N --concurrency C --shard $(JOB_COMPLETION_INDEX)/P`: shard i sends the
 * requests k with k mod P = i, and reads its acknowledged predictions back through the API.
 * Results are the pods' logs (last line: JSON report; `replay merge` combines them). Not part of
 * the default chart: benchmark tooling adds it on demand. A failed shard fails the run (a retry
 * would re-send load and skew the figures).
 */
export class ReplayJob extends Construct {
  /** Labels of replay pods; the Cassandra NetworkPolicy admits them by these. */
  public static readonly POD_LABELS: Readonly<Record<string, string>> = selectorLabels('replay');
  public readonly job: kplus.Job;
  public readonly shards: number;

  constructor(scope: Construct, id: string, props: ReplayJobProps) {
    super(scope, id);
    const { image, imagePullPolicy } = resolveAppImage(props);
    this.shards = props.shards ?? 4;
    const name = props.name ?? NAMES.replay;
    const labels = componentLabels('replay', name);

    this.job = new kplus.Job(this, 'job', {
      metadata: { name, labels },
      select: false,
      podMetadata: { labels },
      backoffLimit: 0,
      ttlAfterFinished: Duration.seconds(props.ttlSecondsAfterFinished ?? 3600),
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: restrictedPodContext(APP_USER),
    });
    const container = this.job.addContainer({
      name: 'replay',
      image,
      imagePullPolicy,
      args: [
        'replay',
        '--url', props.url,
        '--n', String(props.n ?? 10_000),
        '--concurrency', String(props.concurrency ?? 32),
        '--shard', `$(JOB_COMPLETION_INDEX)/${this.shards}`,
        '--quiet',
      ],
      envVariables: {
        // Declared explicitly (the controller also injects it) so `$(...)` in args always expands.
        JOB_COMPLETION_INDEX: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_ANNOTATION, { key: COMPLETION_INDEX_ANNOTATION }),
      },
      resources: toPlusResources(props.resources ?? { cpuRequestMillis: 1000, cpuLimitMillis: 2000, memoryRequestMi: 256, memoryLimitMi: 512 }),
      securityContext: restrictedContainerContext(APP_USER),
    });
    mountWritableTmp(this, container);
    applyRestrictedPatches(this.job);
    // cdk8s-plus-27 has no Indexed completion mode.
    const api = ApiObject.of(this.job);
    api.addJsonPatch(JsonPatch.add('/spec/completionMode', 'Indexed'));
    api.addJsonPatch(JsonPatch.add('/spec/completions', this.shards));
    api.addJsonPatch(JsonPatch.add('/spec/parallelism', this.shards));
  }
}
