import { describe, expect, it } from 'vitest';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { planVolumeWork, PROVISIONER_NAME, STORAGE_CLASS, volumeFor } from './volume-plan.js';

function claim(name: string, extra: { phase?: string; storageClassName?: string; volumeName?: string; deleting?: boolean } = {}): V1PersistentVolumeClaim {
  return {
    metadata: { name, namespace: 'mnist', uid: `uid-${name}`, ...(extra.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: {
      storageClassName: extra.storageClassName ?? STORAGE_CLASS,
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
      volumeName: extra.volumeName,
    },
    status: { phase: extra.phase ?? 'Pending' },
  };
}

function volume(name: string, phase: string, provisionedBy = PROVISIONER_NAME): V1PersistentVolume {
  return { metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': provisionedBy } }, status: { phase } };
}

describe('planVolumeWork', () => {
  it('provisions a pending claim of the class that has no volume yet', () => {
    const work = planVolumeWork([claim('data-cassandra-0')], []);
    expect(work.toProvision.map((c) => c.metadata!.name)).toEqual(['data-cassandra-0']);
  });

  it('leaves bound claims, other classes, claims being deleted and claims already provisioned alone', () => {
    const claims = [
      claim('bound', { phase: 'Bound', volumeName: 'pvc-uid-bound' }),
      claim('other-class', { storageClassName: 'fast' }),
      claim('going', { deleting: true }),
      claim('done-once'),
    ];
    const work = planVolumeWork(claims, [volume('pvc-uid-done-once', 'Available')]);
    expect(work.toProvision).toEqual([]);
  });

  it('reclaims only its own volumes whose claim was released', () => {
    const volumes = [
      volume('pvc-a', 'Released'),
      volume('pvc-b', 'Bound'),
      volume('pvc-c', 'Released', 'someone-else'),
      volume('pvc-d', 'Failed'),
    ];
    expect(planVolumeWork([], volumes).toReclaim.map((v) => v.metadata!.name)).toEqual(['pvc-a', 'pvc-d']);
  });
});

describe('volumeFor', () => {
  it('makes a local volume pre-bound to the claim, of its size, under the root, on any Linux node', () => {
    const pv = volumeFor(claim('data-cassandra-1'), '/state/volumes');
    expect(pv.metadata!.name).toBe('pvc-uid-data-cassandra-1');
    expect(pv.spec!.claimRef).toMatchObject({ namespace: 'mnist', name: 'data-cassandra-1', uid: 'uid-data-cassandra-1' });
    expect(pv.spec!.capacity).toEqual({ storage: '10Gi' });
    expect(pv.spec!.local!.path).toBe('/state/volumes/mnist_data-cassandra-1_pvc-uid-data-cassandra-1');
    expect(pv.spec!.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(pv.spec!.nodeAffinity!.required!.nodeSelectorTerms[0]!.matchExpressions![0]).toEqual({ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] });
  });
});
