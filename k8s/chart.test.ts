import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MnistChart } from './chart.js';

describe('MnistChart', () => {
  it('synthesizes the same objects as the committed snapshot', () => {
    const chart = new MnistChart(Testing.app(), 'mnist-k8s');
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('synthesizes a replay run with its Indexed Job when asked', () => {
    const chart = new MnistChart(Testing.app(), 'mnist-k8s', { replay: { shards: 3, n: 3000, concurrency: 16 } });
    const job = Testing.synth(chart).find((o) => o.kind === 'Job' && o.metadata.name === 'replay');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 });
    expect(job.spec.template.spec.containers[0].args).toEqual([
      'replay', '--url', 'http://digits:80', '--n', '3000', '--concurrency', '16', '--shard', '$(JOB_COMPLETION_INDEX)/3', '--quiet',
    ]);
  });

  it('puts every namespaced object into the chosen namespace and leaves the Namespace and the CRD unnamespaced', () => {
    const objects = Testing.synth(new MnistChart(Testing.app(), 'mnist-k8s', { namespace: 'digits-prod' }));
    const namespace = objects.find((o) => o.kind === 'Namespace');
    expect(namespace.metadata).not.toHaveProperty('namespace');
    expect(namespace.metadata.name).toBe('digits-prod');
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition']);
    expect(objects.find((o) => o.kind === 'CustomResourceDefinition').metadata).not.toHaveProperty('namespace');
    expect(objects.find((o) => o.kind === 'RoleBinding').subjects[0].namespace).toBe('digits-prod');
    for (const object of objects.filter((o) => !clusterScoped.has(o.kind))) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('digits-prod');
    }
  });

  it('refuses a replication factor larger than the ring', () => {
    expect(() => new MnistChart(Testing.app(), 'mnist-k8s', { cassandra: { replicas: 2 }, bootstrap: { replicationFactor: 3 } }))
      .toThrow(/replicationFactor 3 exceeds the ring's 2 nodes/);
  });
});
