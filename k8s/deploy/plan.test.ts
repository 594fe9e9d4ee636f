import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { namespacesOf, phaseOf, planPhases, releaseNamespace, waitKindOf } from './plan.js';

function object(kind: string, name: string, component?: string, apiVersion = 'v1'): KubeObject {
  const labels = component === undefined ? undefined : { 'app.kubernetes.io/component': component };
  return { apiVersion, kind, metadata: { name, namespace: kind === 'Namespace' ? undefined : 'mnist', labels } };
}

// The order `make synth` writes them in is not the deploy order: the planner must fix it.
const manifests = [
  object('Deployment', 'digits', 'app', 'apps/v1'),
  object('Job', 'keyspace-bootstrap', 'keyspace-bootstrap', 'batch/v1'),
  object('ConfigMap', 'digits-config', 'app'),
  object('StatefulSet', 'cassandra', 'cassandra', 'apps/v1'),
  object('Namespace', 'mnist'),
  object('Service', 'cassandra', 'cassandra'),
  object('NetworkPolicy', 'cassandra-access', 'cassandra', 'networking.k8s.io/v1'),
  object('Service', 'digits', 'app'),
];

describe('planPhases', () => {
  it('orders namespace, config, Cassandra, the keyspace Job, then the app', () => {
    const phases = planPhases(manifests).map((p) => `${p.name}: ${p.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(' ')}`);
    expect(phases).toEqual([
      'namespace: Namespace/mnist',
      'config: ConfigMap/digits-config',
      'cassandra: StatefulSet/cassandra Service/cassandra NetworkPolicy/cassandra-access',
      'keyspace-bootstrap: Job/keyspace-bootstrap',
      'app: Deployment/digits Service/digits',
    ]);
  });

  it('puts objects without a known component last', () => {
    expect(phaseOf(object('Service', 'extra'))).toBe('other');
    expect(phaseOf(object('Service', 'extra', 'something-else'))).toBe('other');
  });
});

describe('waitKindOf', () => {
  it('waits for rollouts anywhere but only for the keyspace Job among Jobs', () => {
    expect(waitKindOf(object('StatefulSet', 'cassandra', 'cassandra', 'apps/v1'), 'cassandra')).toBe('rollout');
    expect(waitKindOf(object('Deployment', 'digits', 'app', 'apps/v1'), 'app')).toBe('rollout');
    expect(waitKindOf(object('Job', 'keyspace-bootstrap', 'keyspace-bootstrap', 'batch/v1'), 'keyspace-bootstrap')).toBe('job');
    expect(waitKindOf(object('Job', 'replay', 'replay', 'batch/v1'), 'replay')).toBeNull();
    expect(waitKindOf(object('Service', 'digits', 'app'), 'app')).toBeNull();
  });
});

describe('releaseNamespace', () => {
  it('is the one Namespace of the manifests, else the default', () => {
    expect(releaseNamespace(manifests)).toBe('mnist');
    expect(releaseNamespace([object('Namespace', 'other')])).toBe('other');
    expect(releaseNamespace([object('Service', 'x')])).toBe('mnist');
  });

  it('lists every namespace the release touches, its own first', () => {
    const elsewhere: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'monitoring' } };
    expect(namespacesOf([...manifests, elsewhere])).toEqual(['mnist', 'monitoring']);
  });
});
