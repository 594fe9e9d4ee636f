import path from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';

/**
 * What the local cluster's volume provisioner must do, decided from what the API server holds
 * (pure, so it is unit-tested without a cluster; volume-provisioner.ts does the I/O).
 */

/** The StorageClass it serves: kind's default class name, so manifests bind the same way. */
export const STORAGE_CLASS = 'standard';
/** Written in the class's `provisioner` and on every volume it made. */
export const PROVISIONER_NAME = 'mnist-k8s.local/host-directory';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

export interface VolumeWork {
  /** Pending claims of the class that have no volume yet. */
  readonly toProvision: V1PersistentVolumeClaim[];
  /** Volumes this provisioner made whose claim is gone. */
  readonly toReclaim: V1PersistentVolume[];
}

/** Name of the volume of a claim: stable, so a second pass finds the first one's work. */
export function volumeNameFor(claim: V1PersistentVolumeClaim): string {
  return `pvc-${claim.metadata!.uid!}`;
}

export function planVolumeWork(claims: readonly V1PersistentVolumeClaim[], volumes: readonly V1PersistentVolume[]): VolumeWork {
  const existing = new Set(volumes.map((v) => v.metadata?.name));
  const toProvision = claims.filter((claim) =>
    claim.spec?.storageClassName === STORAGE_CLASS &&
    claim.status?.phase === 'Pending' &&
    !claim.spec.volumeName &&
    claim.metadata?.deletionTimestamp === undefined &&
    !existing.has(volumeNameFor(claim)));
  const toReclaim = volumes.filter((volume) =>
    volume.metadata?.annotations?.[PROVISIONED_BY] === PROVISIONER_NAME &&
    (volume.status?.phase === 'Released' || volume.status?.phase === 'Failed'));
  return { toProvision, toReclaim };
}

/** The `local` volume for a claim, pre-bound to it, its directory under `root`. */
export function volumeFor(claim: V1PersistentVolumeClaim, root: string): V1PersistentVolume {
  const meta = claim.metadata!;
  const name = volumeNameFor(claim);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [PROVISIONED_BY]: PROVISIONER_NAME } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: STORAGE_CLASS,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: meta.namespace, name: meta.name, uid: meta.uid },
      local: { path: path.join(root, `${meta.namespace}_${meta.name}_${name}`) },
      // Every node of the local cluster sees the same filesystem.
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } },
    },
  };
}
