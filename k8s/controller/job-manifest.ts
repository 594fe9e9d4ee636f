import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { KubeObject } from '../deploy/kube-object.js';
import { LifecycleJob } from '../lib/lifecycle-job.js';
import { withServiceUrl } from './lifecycle-args.js';
import type { DigitModel } from './digit-model.js';
import type { JobRequest } from './reconcile.js';

/** Label on every lifecycle Job (and its pods): the DigitModel it runs for. */
export const MODEL_LABEL = 'mnist-k8s.dev/digitmodel';
/** Label on every lifecycle Job: which step it is (retrain, canary, promote). */
export const STEP_LABEL = 'mnist-k8s.dev/step';
/** Label on every lifecycle Job: the DigitModel generation (spec) it runs for. */
export const GENERATION_LABEL = 'mnist-k8s.dev/generation';

/** What every lifecycle Job is made with: the app's image, config and Cassandra role (CONTROLLER_* env). */
export interface JobSettings {
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly configMapName: string;
  readonly appSecretName: string;
  /**
   * The app's Service (LIFECYCLE_SERVICE_URL): the canary's gates measure agreement and p99 by a
   * shadow replay of recorded traffic through it, as users meet the model. Unset: in-process.
   */
  readonly serviceUrl?: string | undefined;
}

const PULL_POLICIES = {
  Always: kplus.ImagePullPolicy.ALWAYS,
  IfNotPresent: kplus.ImagePullPolicy.IF_NOT_PRESENT,
  Never: kplus.ImagePullPolicy.NEVER,
} as const;

/**
 * The Job of one step, synthesized in-process from the LifecycleJob construct (as the replay CLI
 * does with ReplayJob), owned by the DigitModel: deleting the model deletes its Jobs and pods.
 */
export function synthesizeLifecycleJob(request: JobRequest, model: DigitModel, settings: JobSettings): KubeObject {
  const app = new App();
  const chart = new Chart(app, 'lifecycle', { namespace: model.metadata.namespace });
  new LifecycleJob(chart, 'job', {
    name: request.name,
    step: request.step,
    args: withServiceUrl(request, settings.serviceUrl),
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy === undefined ? undefined : PULL_POLICIES[settings.imagePullPolicy],
    configMapName: settings.configMapName,
    appSecretName: settings.appSecretName,
    labels: { [MODEL_LABEL]: model.metadata.name, [STEP_LABEL]: request.step, [GENERATION_LABEL]: String(model.metadata.generation) },
  });
  const jobs = chart.toJson().filter((o: { kind?: string }) => o.kind === 'Job') as KubeObject[];
  if (jobs.length !== 1) throw new Error(`the LifecycleJob construct synthesized ${jobs.length} Jobs, expected 1`);
  const job = jobs[0]!;
  job.metadata.ownerReferences = [{
    apiVersion: model.apiVersion,
    kind: model.kind,
    name: model.metadata.name,
    uid: model.metadata.uid,
    controller: true,
  }];
  return job;
}
