import { DeployError, getStatusCode } from './errors.js';
import type { KubeObject } from './kube-object.js';
import type { KubeRest } from './kube-rest.js';

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** What discovery says about a kind: its URL segment and whether it lives in a namespace. */
export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * Maps apiVersion + kind to REST paths using the API server's discovery documents, fetched
 * once per group version, so any kind in the manifests works without a hard-coded table.
 */
export class ResourceCatalog {
  private readonly groups = new Map<string, Promise<readonly ApiResource[]>>();

  constructor(private readonly rest: KubeRest) {}

  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let resources = this.groups.get(apiVersion);
    if (resources === undefined) {
      resources = this.discover(apiVersion);
      this.groups.set(apiVersion, resources);
      // A failed discovery is not remembered: the next call asks again.
      resources.catch(() => this.groups.delete(apiVersion));
    }
    const found = (await resources).find((r) => r.kind === kind && !r.name.includes('/'));
    if (found === undefined) throw new DeployError(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return { plural: found.name, namespaced: found.namespaced };
  }

  /** URL of a collection: /api/v1/namespaces/ns/pods, /apis/apps/v1/deployments, ... */
  async collectionPath(apiVersion: string, kind: string, namespace: string | undefined): Promise<string> {
    const { plural, namespaced } = await this.resolve(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!namespaced || namespace === undefined) return `${base}/${plural}`;
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
  }

  async objectPath(object: KubeObject): Promise<string> {
    const { namespaced } = await this.resolve(object.apiVersion, object.kind);
    if (namespaced && object.metadata.namespace === undefined) {
      throw new DeployError(`${object.kind} ${object.metadata.name} has no namespace`);
    }
    const collection = await this.collectionPath(object.apiVersion, object.kind, object.metadata.namespace);
    return `${collection}/${encodeURIComponent(object.metadata.name)}`;
  }

  private async discover(apiVersion: string): Promise<readonly ApiResource[]> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const list = await this.rest.request<{ resources?: ApiResource[] }>('GET', path);
      return list.resources ?? [];
    } catch (error) {
      if (getStatusCode(error) === 404) return [];
      throw error;
    }
  }
}
