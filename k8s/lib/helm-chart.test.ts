import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { renderTemplate, renderValuesYaml, templateFileName, templatizeObject, type HelmValue } from './helm-chart.js';

const VALUES: HelmValue[] = [
  { path: 'namespace', defaultValue: 'mnist', placeholder: 'ph-namespace', comment: 'ns' },
  { path: 'cassandra.replicas', defaultValue: 3, placeholder: 900_003, comment: 'nodes' },
  { path: 'createNamespace', defaultValue: true, comment: 'hand-written templates only' },
];

describe('Helm templating of synthesized objects', () => {
  it('templates a numeric placeholder raw and its string form quoted', () => {
    const used = new Set<string>();
    const object = { metadata: { namespace: 'ph-namespace' }, spec: { replicas: 900_003, env: [{ name: 'RF', value: '900003' }] } };
    const text = renderTemplate(templatizeObject(object, VALUES, used), VALUES);
    expect(text).toContain('namespace: {{ .Values.namespace | quote }}');
    expect(text).toContain('replicas: {{ .Values.cassandra.replicas }}');
    expect(text).toContain('value: {{ .Values.cassandra.replicas | quote }}');
    expect([...used].sort()).toEqual(['cassandra.replicas', 'namespace']);
  });

  it('refuses a placeholder embedded in a longer string, which it could not template safely', () => {
    expect(() => templatizeObject({ url: 'http://digits.ph-namespace.svc' }, VALUES, new Set()))
      .toThrow(/placeholder of namespace is embedded/);
  });

  it('leaves objects without placeholders unchanged', () => {
    const object = { kind: 'Service', spec: { ports: [{ port: 80 }], selector: { a: 'b' } } };
    const used = new Set<string>();
    expect(yaml.load(renderTemplate(templatizeObject(object, VALUES, used), VALUES))).toEqual(object);
    expect(used.size).toBe(0);
  });

  it('writes values.yaml with comments, nested groups and typed defaults', () => {
    const text = renderValuesYaml(VALUES);
    expect(yaml.load(text)).toEqual({ namespace: 'mnist', createNamespace: true, cassandra: { replicas: 3 } });
    expect(text).toContain('  # nodes\n  replicas: 3');
  });

  it('names template files by kind and name, with a fallback for templated names', () => {
    expect(templateFileName({ kind: 'StatefulSet', metadata: { name: 'cassandra' } }, 'x')).toBe('statefulset-cassandra.yaml');
    expect(templateFileName({ kind: 'Namespace', metadata: { name: '__HELM_VALUE_0_quote__' } }, 'namespace')).toBe('namespace-namespace.yaml');
  });
});
