import { getStatusCode } from '../deploy/errors.js';
import type { KubeRest } from '../deploy/kube-rest.js';
import { LABEL_COMPONENT, LABEL_PART_OF, PART_OF } from '../lib/names.js';
import { LeaseConflictError, type LeaseRecord, type LeaseSpec, type LeaseStore } from './leader-election.js';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/**
 * A Lease's times are MicroTime: RFC 3339 with exactly six fractional digits, which the API
 * server insists on ("2026-12-04T18:00:00.123000Z"); toISOString gives three.
 */
export function toMicroTime(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The controller's Lease (coordination.k8s.io/v1) in its namespace, through KubeRest. */
export class KubeLeaseStore implements LeaseStore {
  private readonly collection: string;

  constructor(
    private readonly rest: KubeRest,
    private readonly namespace: string,
    private readonly name: string,
    private readonly fieldManager: string,
  ) {
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  }

  async get(): Promise<LeaseRecord | null> {
    try {
      return toRecord(await this.rest.request<Lease>('GET', `${this.collection}/${encodeURIComponent(this.name)}`));
    } catch (error) {
      if (getStatusCode(error) === 404) return null;
      throw error;
    }
  }

  create(spec: LeaseSpec): Promise<LeaseRecord> {
    return this.write('POST', this.collection, spec, undefined);
  }

  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRecord> {
    return this.write('PUT', `${this.collection}/${encodeURIComponent(this.name)}`, spec, resourceVersion);
  }

  private async write(method: string, path: string, spec: LeaseSpec, resourceVersion: string | undefined): Promise<LeaseRecord> {
    const body: Lease & { apiVersion: string; kind: string } = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { [LABEL_PART_OF]: PART_OF, [LABEL_COMPONENT]: 'controller' },
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      spec: {
        ...(spec.holderIdentity === null ? {} : { holderIdentity: spec.holderIdentity }),
        leaseDurationSeconds: spec.leaseDurationSeconds,
        ...(spec.acquireTime === null ? {} : { acquireTime: toMicroTime(spec.acquireTime) }),
        ...(spec.renewTime === null ? {} : { renewTime: toMicroTime(spec.renewTime) }),
        leaseTransitions: spec.leaseTransitions,
      },
    };
    try {
      return toRecord(await this.rest.request<Lease>(method, path, { body, query: { fieldManager: this.fieldManager } }));
    } catch (error) {
      // 409: someone wrote first (update), or created it first (create).
      if (getStatusCode(error) === 409) throw new LeaseConflictError(`Lease ${this.name} was written by another candidate`);
      throw error;
    }
  }
}

function toRecord(lease: Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? null,
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 15,
    acquireTime: spec.acquireTime ?? null,
    renewTime: spec.renewTime ?? null,
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata.resourceVersion ?? '',
  };
}
