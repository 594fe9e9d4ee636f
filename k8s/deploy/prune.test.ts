import { describe, expect, it } from 'vitest';
import { type KubeObject, toKey } from './kube-object.js';
import { isPrunable } from './prune.js';

function live(overrides: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'old-service',
      namespace: 'mnist',
      labels: { 'app.kubernetes.io/part-of': 'mnist-k8s' },
      managedFields: [{ manager: 'mnist-deployer', operation: 'Apply' }],
      ...overrides,
    },
  };
}

describe('isPrunable', () => {
  it('prunes an object the deployer applied that the manifests no longer hold', () => {
    expect(isPrunable(live(), new Set())).toBe(true);
  });

  it('keeps objects that are still in the manifests', () => {
    expect(isPrunable(live(), new Set([toKey(live())]))).toBe(false);
  });

  it('keeps what the deployer never applied: pods, ReplicaSets, generated Secrets', () => {
    expect(isPrunable(live({ managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }] }), new Set())).toBe(false);
    expect(isPrunable(live({ managedFields: [{ manager: 'mnist-deployer', operation: 'Update' }] }), new Set())).toBe(false);
    expect(isPrunable(live({ ownerReferences: [{ kind: 'Deployment' }] }), new Set())).toBe(false);
  });

  it('keeps objects of other releases and objects already being deleted', () => {
    expect(isPrunable(live({ labels: { 'app.kubernetes.io/part-of': 'something-else' } }), new Set())).toBe(false);
    expect(isPrunable(live({ deletionTimestamp: '2026-01-01T00:00:00Z' }), new Set())).toBe(false);
  });
});
