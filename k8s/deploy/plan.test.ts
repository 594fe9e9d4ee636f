import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { listNamespaces, classifyPhase, planPhases, findReleaseNamespace, chooseWait } from './plan.js';

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
    expect(classifyPhase(object('Service', 'extra'))).toBe('other');
    expect(classifyPhase(object('Service', 'extra', 'something-else'))).toBe('other');
  });
});

describe('chooseWait', () => {
  it('waits for rollouts anywhere but only for the keyspace Job among Jobs', () => {
    expect(chooseWait(object('StatefulSet', 'cassandra', 'cassandra', 'apps/v1'), 'cassandra')).toBe('rollout');
    expect(chooseWait(object('Deployment', 'digits', 'app', 'apps/v1'), 'app')).toBe('rollout');
    expect(chooseWait(object('Job', 'keyspace-bootstrap', 'keyspace-bootstrap', 'batch/v1'), 'keyspace-bootstrap')).toBe('job');
    expect(chooseWait(object('Job', 'replay', 'replay', 'batch/v1'), 'replay')).toBeNull();
    expect(chooseWait(object('Service', 'digits', 'app'), 'app')).toBeNull();
  });
});

describe('findReleaseNamespace', () => {
  it('is the one Namespace of the manifests, else the default', () => {
    expect(findReleaseNamespace(manifests)).toBe('mnist');
    expect(findReleaseNamespace([object('Namespace', 'other')])).toBe('other');
    expect(findReleaseNamespace([object('Service', 'x')])).toBe('mnist');
  });

  it('lists every namespace the release touches, its own first', () => {
    const elsewhere: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'monitoring' } };
    expect(listNamespaces([...manifests, elsewhere])).toEqual(['mnist', 'monitoring']);
  });
});
