import { describe, expect, it } from 'vitest';
import { DEFAULT_VALUES, HELM_VALUES, PLACEHOLDER_VALUES } from './helm-values.js';

describe('the Helm values', () => {
  it('give every value the system is built from a placeholder of its own, of the same type as its default', () => {
    const placed = HELM_VALUES.filter((v) => v.placeholder !== undefined);
    expect(placed.map((v) => v.path)).toEqual(['namespace', 'image', 'app.replicas', 'app.maxReplicas', 'cassandra.image', 'cassandra.replicas', 'cassandra.storage']);
    for (const value of placed) expect(typeof value.placeholder, value.path).toBe(typeof value.defaultValue);
    expect(new Set(placed.map((v) => String(v.placeholder))).size).toBe(placed.length);
  });

  it('build k8s/dist from the defaults and the chart from the placeholders', () => {
    expect(DEFAULT_VALUES).toMatchObject({ namespace: 'mnist', appReplicas: 2, appMaxReplicas: 6, cassandraReplicas: 3, cassandraStorage: '10Gi' });
    const placeholders = new Set(HELM_VALUES.map((v) => v.placeholder));
    for (const [field, value] of Object.entries(PLACEHOLDER_VALUES)) expect(placeholders.has(value), field).toBe(true);
  });
});
