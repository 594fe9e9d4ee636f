import { DeployError } from './errors.js';
import { LABEL_COMPONENT } from '../lib/names.js';
import type { KubeObject } from './kube-object.js';

interface Container {
  name?: string;
  image?: string;
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
}

/** The pod spec inside a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), if any. */
export function findPodSpec(object: KubeObject): PodSpec | undefined {
  const spec = object.spec as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}

/** Every container of a pod spec, init containers included. */
export function listContainers(spec: PodSpec | undefined): Container[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/**
 * Copies the manifests with the app's image replaced by `image`: every container that runs the
 * image of the app Deployment (the app, the keyspace Job, the replay Job and the DigitModel
 * controller share one image), and every env value naming it (the controller's LIFECYCLE_IMAGE:
 * the image its Jobs run). Other images (Cassandra) are left alone. A new image re-runs the
 * keyspace Job (its migrations ship in the image; see jobs.ts), then rolls the app.
 */
export function replaceAppImage(objects: readonly KubeObject[], image: string): KubeObject[] {
  const app = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels?.[LABEL_COMPONENT] === 'app');
  const appImage = findPodSpec(app ?? ({} as KubeObject))?.containers?.[0]?.image;
  if (app === undefined || appImage === undefined) {
    throw new DeployError(`--image: the manifests have no Deployment labelled ${LABEL_COMPONENT}=app with a container image`);
  }
  return objects.map((object) => {
    const copy = structuredClone(object);
    for (const container of listContainers(findPodSpec(copy))) {
      if (container.image === appImage) container.image = image;
      for (const entry of container.env ?? []) if (entry.value === appImage) entry.value = image;
    }
    return copy;
  });
}
