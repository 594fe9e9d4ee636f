import type { KubeList, KubeObject } from './kube-object.js';
import { getStatusCode } from './errors.js';
import type { KubeRest } from './kube-rest.js';
import { ResourceCatalog } from './resource-catalog.js';

/** The one field manager of every object the deployer applies: prune and drift repair key on it. */
export const FIELD_MANAGER = 'mnist-deployer';

export interface WriteOptions {
  /** Server-side dry run: the API server runs validation and admission, stores nothing. */
  readonly dryRun?: boolean;
}

/**
 * Generic object operations over raw JSON: server-side apply, create, get, delete and list of
 * any kind the API server serves (resource names come from discovery).
 */
export class ObjectClient {
  readonly catalog: ResourceCatalog;

  constructor(private readonly rest: KubeRest) {
    this.catalog = new ResourceCatalog(rest);
  }

  /** The live object, or null when it does not exist. */
  async get(object: KubeObject): Promise<KubeObject | null> {
    try {
      return await this.rest.request<KubeObject>('GET', await this.catalog.objectPath(object));
    } catch (error) {
      if (getStatusCode(error) === 404) return null;
      throw error;
    }
  }

  /** Server-side apply under FIELD_MANAGER, taking over conflicting fields (force), strict fields. */
  async apply(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    return this.rest.request<KubeObject>('PATCH', await this.catalog.objectPath(object), {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: 'true', fieldValidation: 'Strict', dryRun: dryRunParam(options) },
    });
  }

  /** JSON merge patch under another field manager (bookkeeping that is not part of the manifests). */
  async mergePatch(object: KubeObject, patch: unknown, fieldManager: string): Promise<KubeObject> {
    return this.rest.request<KubeObject>('PATCH', await this.catalog.objectPath(object), {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager },
    });
  }

  /** POST a new object (used for generated Secrets and for dry-running a Job under a new name). */
  async create(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const path = await this.catalog.collectionPath(object.apiVersion, object.kind, object.metadata.namespace);
    return this.rest.request<KubeObject>('POST', path, {
      body: object,
      query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', dryRun: dryRunParam(options) },
    });
  }

  /** Deletes an object and its dependents (background GC); false when it was already gone. */
  async delete(object: KubeObject, options: WriteOptions = {}): Promise<boolean> {
    try {
      await this.rest.request('DELETE', await this.catalog.objectPath(object), {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        query: { dryRun: dryRunParam(options) },
      });
      return true;
    } catch (error) {
      if (getStatusCode(error) === 404) return false;
      throw error;
    }
  }

  /** Every object of a kind (in a namespace, or cluster-wide) matching a label selector. */
  async list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector: string): Promise<KubeObject[]> {
    const path = await this.catalog.collectionPath(apiVersion, kind, namespace);
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.rest.request<KubeList>('GET', path, {
        query: { labelSelector, limit: '500', continue: continueToken },
      });
      // List items carry no apiVersion/kind: put them back so they can be deleted by value.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken !== undefined);
    return items;
  }
}

function dryRunParam(options: WriteOptions): string | undefined {
  return options.dryRun === true ? 'All' : undefined;
}
