import { describe, expect, it } from 'vitest';
import { replaceAppImage } from './image.js';
import { stringifyCanonical, hashJobSpec } from './jobs.js';
import type { KubeObject } from './kube-object.js';

function job(args: string[], image = 'mnist-k8s:local'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'keyspace-bootstrap', namespace: 'mnist', labels: { 'app.kubernetes.io/component': 'keyspace-bootstrap' } },
    spec: { backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'bootstrap', image, args }] } } },
  };
}

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'digits', labels: { 'app.kubernetes.io/component': 'app' } },
  spec: { template: { spec: { containers: [{ name: 'digits', image: 'mnist-k8s:local' }] } } },
};
const cassandra: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'cassandra', labels: { 'app.kubernetes.io/component': 'cassandra' } },
  spec: { template: { spec: { initContainers: [{ name: 'config', image: 'cassandra:5.0' }], containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] } } },
};

describe('hashJobSpec', () => {
  it('is the same for the same spec whatever the key order', () => {
    const original = job(['bootstrap']);
    const spec = original.spec as { backoffLimit: number; template: unknown };
    const reordered: KubeObject = { ...original, spec: { template: spec.template, backoffLimit: spec.backoffLimit } };
    expect(Object.keys(reordered.spec as object)).toEqual(['template', 'backoffLimit']);
    expect(hashJobSpec(reordered)).toBe(hashJobSpec(original));
  });

  it('changes when the command changes, so the Job is recreated', () => {
    expect(hashJobSpec(job(['bootstrap', '--verbose']))).not.toBe(hashJobSpec(job(['bootstrap'])));
  });

  it('changes with the image, so a new app image (new migrations) re-runs the bootstrap', () => {
    expect(hashJobSpec(job(['bootstrap'], 'mnist-k8s:v2'))).not.toBe(hashJobSpec(job(['bootstrap'])));
  });
});

describe('stringifyCanonical', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(stringifyCanonical({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});

describe('replaceAppImage', () => {
  it('swaps the app image in the Deployment and the Job, never Cassandra', () => {
    const [d, j, c] = replaceAppImage([deployment, job(['bootstrap']), cassandra], 'registry.local/mnist:abc');
    expect(JSON.stringify(d)).toContain('registry.local/mnist:abc');
    expect(JSON.stringify(j)).toContain('registry.local/mnist:abc');
    expect(JSON.stringify(c)).not.toContain('registry.local/mnist:abc');
    expect(JSON.stringify(deployment)).toContain('mnist-k8s:local');
  });

  it('refuses when the manifests have no app Deployment', () => {
    expect(() => replaceAppImage([cassandra], 'x:1')).toThrow(/no Deployment labelled app.kubernetes.io\/component=app/);
  });
});
