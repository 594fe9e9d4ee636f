import { describe, expect, it } from 'vitest';
import { replaceAppImage } from './image.js';
import type { KubeObject } from './kube-object.js';

function workload(kind: string, name: string, component: string, image: string, env: { name: string; value: string }[] = []): KubeObject {
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: { name, labels: { 'app.kubernetes.io/component': component } },
    spec: { template: { spec: { containers: [{ name, image, env }] } } },
  };
}

const imagesOf = (objects: KubeObject[]) =>
  objects.map((o) => (o.spec as { template: { spec: { containers: { image: string; env: { name: string; value: string }[] }[] } } }).template.spec.containers[0]!);

describe('replaceAppImage', () => {
  it("retargets every container on the app's image, and the controller's image for its Jobs, never Cassandra", () => {
    const objects = [
      workload('StatefulSet', 'cassandra', 'cassandra', 'cassandra:5.0'),
      workload('Job', 'keyspace-bootstrap', 'keyspace-bootstrap', 'mnist-k8s:local'),
      workload('Deployment', 'digits', 'app', 'mnist-k8s:local'),
      workload('Deployment', 'digitmodel-controller', 'controller', 'mnist-k8s:local', [
        { name: 'LIFECYCLE_IMAGE', value: 'mnist-k8s:local' }, { name: 'CONTROLLER_LEASE', value: 'digitmodel-controller' },
      ]),
    ];
    const containers = imagesOf(replaceAppImage(objects, 'mnist-k8s:abc123'));
    expect(containers.map((c) => c.image)).toEqual(['cassandra:5.0', 'mnist-k8s:abc123', 'mnist-k8s:abc123', 'mnist-k8s:abc123']);
    expect(containers[3]!.env).toEqual([{ name: 'LIFECYCLE_IMAGE', value: 'mnist-k8s:abc123' }, { name: 'CONTROLLER_LEASE', value: 'digitmodel-controller' }]);
    // The input is left as it was.
    expect(imagesOf(objects)[3]!.env[0]!.value).toBe('mnist-k8s:local');
  });
});
