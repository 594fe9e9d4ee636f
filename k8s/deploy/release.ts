import { type KubeObject } from './kube-object.js';
import type { ObjectClient } from './object-client.js';
import { replaceAppImage } from './image.js';
import { findReleaseNamespace } from './plan.js';

/** The objects to deploy, as the API server should receive them, and their namespace. */
export interface Release {
  readonly objects: readonly KubeObject[];
  readonly namespace: string;
}

/**
 * Turns manifests into a release: the --image override, and the release namespace set on
 * every namespaced object that names none (discovery says which kinds are namespaced).
 */
export async function prepareRelease(client: ObjectClient, manifests: readonly KubeObject[], image?: string): Promise<Release> {
  const namespace = findReleaseNamespace(manifests);
  const source = image === undefined ? manifests.map((o) => structuredClone(o)) : replaceAppImage(manifests, image);
  const objects: KubeObject[] = [];
  for (const object of source) {
    const { namespaced } = await client.catalog.resolve(object.apiVersion, object.kind);
    if (namespaced && object.metadata.namespace === undefined) object.metadata.namespace = namespace;
    if (!namespaced) delete object.metadata.namespace;
    objects.push(object);
  }
  return { objects, namespace };
}

/** The same release aimed at another namespace (a dry run before the real one exists). */
export function retargetRelease(release: Release, namespace: string): Release {
  const objects = release.objects.map((object) => {
    if (object.metadata.namespace !== release.namespace) return object;
    return { ...object, metadata: { ...object.metadata, namespace } };
  });
  return { objects, namespace };
}
